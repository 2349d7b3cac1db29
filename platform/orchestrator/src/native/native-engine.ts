import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type Engine,
  type LogOptions,
  OrchestratorError,
  type ServiceStatus,
  type StackEndpoints,
  type StackEvent,
  type StackStatus,
  type UpOptions,
  type UpResult,
} from '../engine.js';
import { FaultController } from '../faults/fault-controller.js';
import { FaultMarker } from '../faults/fault-marker.js';
import { LinkProxies } from '../faults/link-proxies.js';
import { FrontProxy } from '../front-proxy.js';
import { EventHub, endpointsFor, stackState, validateUpOptions } from './engine-support.js';
import { LogBuffer, type LogEvent } from './log-buffer.js';
import { nativeFaultDriver } from './native-faults.js';
import { assertPortFree, checkAmqp, checkRedis } from './preflight.js';
import { newSecret, readOrCreateDevKey } from './stack-secrets.js';
import { SupervisedProcess } from './supervised-process.js';

export interface NativeEngineOptions {
  redisUrl?: string;
  amqpUrl?: string;
  /** Redis key prefix of this stack (default `rb:`); tests use their own. */
  redisPrefix?: string;
  /** RabbitMQ exchange of this stack (default `relaybox.fanout`); tests use `test.*`. */
  amqpExchange?: string;
  /** Holds the dev key (default `.relaybox` in the working directory). */
  dataDir?: string;
  /** The repository root holding `platform/gateway/src/main.ts` (default: found from this file). */
  root?: string;
  /**
   * A bundled gateway entry (e.g. the desktop CLI bundle's `gateway.mjs`) run with plain `node`
   * in the working directory, instead of the sources through tsx (default: `RELAYBOX_GATEWAY_ENTRY`).
   */
  gatewayEntry?: string;
  /** Extra environment for every process (e.g. `RELAYBOX_CONFIG`, `RELAYBOX_LOG_LEVEL`). */
  env?: Record<string, string>;
  /** SIGTERM → SIGKILL grace of `down` and `stopService`, ms (default 5000). */
  stopGraceMs?: number;
}

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = 'platform/gateway/src/main.ts';
const GATEWAY_READY = /ws:\/\/\S+?:(\d+)\/v1\/ws/;
const WORKER_READY = /RelayBox worker \S+ processing/;

/**
 * Gateways (N) and one worker as supervised Node child processes against local Redis/RabbitMQ,
 * behind one origin (a Node front proxy on :9000) serving the same endpoints as every engine.
 * Gateways only enqueue background jobs (`RELAYBOX_WORKERS=none`); the worker runs them all.
 */
export class NativeEngine implements Engine {
  readonly name = 'native' as const;
  private readonly events = new EventHub();
  private readonly processes = new Map<string, SupervisedProcess>();
  private readonly proxyLog = new LogBuffer('proxy');
  private proxy: FrontProxy | undefined;
  private proxyStatus: ServiceStatus = {
    name: 'proxy',
    service: 'proxy',
    state: 'stopped',
    since: Date.now(),
    actions: [],
  };
  private state: StackStatus['state'] = 'stopped';
  private endpoints: StackEndpoints = endpointsFor(9000);
  private stackEnv: Record<string, string> = {};
  private nextGateway = 1;
  /** Proxies between each gateway and Redis/RabbitMQ, for link faults. */
  private links: LinkProxies | undefined;
  /** Per `up`: the gateways' RabbitMQ connection names start with `relaybox-<stackId>-`. */
  private stackId = '';
  readonly faults: FaultController;

  constructor(private readonly options: NativeEngineOptions = {}) {
    this.proxyLog.follow((event) => this.events.emit(event));
    const admin = () => this.adminTarget();
    this.faults = new FaultController(
      'native',
      nativeFaultDriver({
        processes: () => this.processes,
        links: () => this.links,
        amqpUrl: this.amqpUrl,
        amqpConnectionPrefix: () => `relaybox-${this.stackId}-`,
        restart: (name) => this.restartService(name),
        admin,
        running: () => this.state === 'running',
      }),
      (event) => this.events.emit(event),
      new FaultMarker(admin, (line) => this.proxyLog.push('stderr', line)),
    );
  }

  async up(options: UpOptions = {}): Promise<UpResult> {
    if (this.state !== 'stopped')
      throw new OrchestratorError('invalid_argument', 'the native stack is already up');
    const { gateways, port } = validateUpOptions(options, 2);
    this.state = 'starting';
    try {
      this.progress('Checking the port and Redis/RabbitMQ');
      await assertPortFree(port);
      await Promise.all([checkRedis(this.redisUrl), checkAmqp(this.amqpUrl)]);
      this.progress('Checking the port and Redis/RabbitMQ', true);
      const devApiKey = readOrCreateDevKey(this.dataDir, options.devApiKey);
      const adminToken = options.adminToken ?? newSecret();
      this.stackEnv = this.environment(devApiKey, adminToken);
      this.stackId = randomBytes(4).toString('hex');
      this.links = new LinkProxies(this.redisUrl, this.amqpUrl);
      this.progress(`Starting the origin on :${port}`);
      await this.startProxy(port);
      this.progress(`Starting ${gateways} gateway(s) and the worker`);
      const starting = [
        this.addWorker(),
        ...(await Promise.all(Array.from({ length: gateways }, () => this.addGateway()))),
      ];
      await Promise.all(starting.map((p) => p.start()));
      this.progress(`Starting ${gateways} gateway(s) and the worker`, true);
      this.state = 'running';
      return { status: await this.status(), devApiKey, adminToken };
    } catch (error) {
      const failure = this.startFailure(error);
      await this.down();
      throw failure;
    }
  }

  async down(): Promise<void> {
    if (this.state === 'stopped' && this.processes.size === 0 && !this.proxy) return;
    // Paused gateways continue and links come back first, so every process can stop cleanly.
    await this.faults.healAll();
    this.state = 'stopping';
    const grace = this.options.stopGraceMs ?? 5000;
    await Promise.allSettled([...this.processes.values()].map((p) => p.stop(grace)));
    this.processes.clear();
    await this.links?.closeAll();
    this.links = undefined;
    await this.proxy?.stop();
    this.proxy = undefined;
    this.setProxyState('stopped');
    this.nextGateway = 1;
    this.state = 'stopped';
  }

  async status(): Promise<StackStatus> {
    const services = [this.proxyStatus, ...[...this.processes.values()].map((p) => p.status)];
    return { engine: 'native', state: stackState(this.state, services), services, endpoints: this.endpoints };
  }

  async scale(service: 'gateway', replicas: number): Promise<StackStatus> {
    if (service !== 'gateway') throw new OrchestratorError('invalid_argument', 'only gateways scale');
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16)
      throw new OrchestratorError('invalid_argument', 'gateway replicas must be a whole number from 1 to 16');
    if (this.state !== 'running')
      throw new OrchestratorError('stack_not_running', 'the native stack is not up');
    const gateways = [...this.processes.values()].filter((p) => p.name.startsWith('gateway-'));
    const added: Promise<void>[] = [];
    for (let n = gateways.length; n < replicas; n++) added.push(this.addGateway().then((p) => p.start()));
    const removed = gateways.slice(replicas).map(async (p) => {
      this.processes.delete(p.name);
      await p.stop(this.options.stopGraceMs ?? 5000);
      await this.links?.remove(p.name);
    });
    await Promise.all([...added, ...removed]);
    return this.status();
  }

  async startService(name: string): Promise<void> {
    await this.service(name).start();
  }

  async stopService(name: string): Promise<void> {
    await this.service(name).stop(this.options.stopGraceMs ?? 5000);
  }

  async restartService(name: string): Promise<void> {
    const process = this.service(name);
    await process.stop(this.options.stopGraceMs ?? 5000);
    await process.start();
  }

  async logs(name: string, options: LogOptions, onLine: (event: LogEvent) => void): Promise<() => void> {
    const buffer = name === 'proxy' ? this.proxyLog : this.service(name).log;
    for (const line of buffer.tail(options.tail ?? 200)) onLine(line);
    return options.follow ? buffer.follow(onLine) : () => {};
  }

  onEvent(listener: (event: StackEvent) => void): () => void {
    return this.events.on(listener);
  }

  private get redisUrl(): string {
    return this.options.redisUrl ?? 'redis://127.0.0.1:6379';
  }

  private get amqpUrl(): string {
    return this.options.amqpUrl ?? 'amqp://guest:guest@127.0.0.1:5672';
  }

  private get dataDir(): string {
    return this.options.dataDir ?? '.relaybox';
  }

  /** What every process of the stack shares: one dev key, admin token, cursor secret, prefix and exchange. */
  private environment(devApiKey: string, adminToken: string): Record<string, string> {
    return {
      RELAYBOX_ENGINE: 'native',
      RELAYBOX_HOST: '127.0.0.1',
      RELAYBOX_PORT: '0',
      RELAYBOX_REDIS_URL: this.redisUrl,
      RELAYBOX_AMQP_URL: this.amqpUrl,
      RELAYBOX_REDIS_PREFIX: this.options.redisPrefix ?? 'rb:',
      RELAYBOX_AMQP_EXCHANGE: this.options.amqpExchange ?? 'relaybox.fanout',
      RELAYBOX_DEV_API_KEY: devApiKey,
      RELAYBOX_ADMIN_TOKEN: adminToken,
      RELAYBOX_CURSOR_SECRET: newSecret(),
      RELAYBOX_DATA_DIR: this.dataDir,
      RELAYBOX_WORKERS: 'none',
      ...this.options.env,
    };
  }

  private async startProxy(port: number): Promise<void> {
    this.proxy = new FrontProxy({
      port,
      upstreams: () =>
        [...this.processes.values()]
          .filter((p) => p.name.startsWith('gateway-') && p.status.state === 'healthy' && p.port)
          .map((p) => ({ host: '127.0.0.1', port: p.port as number })),
      log: (line) => this.proxyLog.push('stderr', line),
    });
    this.setProxyState('starting');
    const bound = await this.proxy.start();
    this.endpoints = endpointsFor(bound);
    this.proxyLog.push('stdout', `origin listening on ${this.endpoints.origin}`);
    this.setProxyState('healthy');
  }

  /** A gateway whose Redis and RabbitMQ connections go through its own link proxies. */
  private async addGateway(): Promise<SupervisedProcess> {
    const name = `gateway-${this.nextGateway++}`;
    const urls = this.links ? await this.links.add(name) : { redisUrl: this.redisUrl, amqpUrl: this.amqpUrl };
    return this.supervise(
      name,
      'gateway',
      ['gateway'],
      GATEWAY_READY,
      {
        RELAYBOX_NODE_ID: name,
        RELAYBOX_REDIS_URL: urls.redisUrl,
        RELAYBOX_AMQP_URL: urls.amqpUrl,
        RELAYBOX_AMQP_CONNECTION_NAME: `relaybox-${this.stackId}-${name}`,
      },
      true,
    );
  }

  /** The stack's admin API through its origin, for fault marks and token expiry. */
  private adminTarget(): { admin: string; adminToken: string } | undefined {
    const adminToken = this.stackEnv.RELAYBOX_ADMIN_TOKEN;
    if (this.state !== 'running' || !adminToken) return undefined;
    return { admin: this.endpoints.admin.replace('//localhost:', '//127.0.0.1:'), adminToken };
  }

  private addWorker(): SupervisedProcess {
    return this.supervise('worker', 'worker', ['worker', 'sessions,history,webhook'], WORKER_READY, {
      RELAYBOX_NODE_ID: 'worker',
    });
  }

  private supervise(
    name: string,
    service: string,
    args: string[],
    ready: RegExp,
    env: Record<string, string>,
    http = false,
  ): SupervisedProcess {
    const entry = this.options.gatewayEntry ?? process.env.RELAYBOX_GATEWAY_ENTRY;
    const child = new SupervisedProcess({
      name,
      service,
      args: entry ? [entry, ...args] : ['--import', 'tsx', MAIN, ...args],
      cwd: this.options.root ?? (entry ? process.cwd() : ROOT),
      env: { ...process.env, ...this.stackEnv, ...env },
      ready,
      ...(http ? { healthCheck: gatewayHealth } : {}),
      onStatus: (status) => this.events.emit({ type: 'service', status }),
    });
    child.log.follow((event) => this.events.emit(event));
    this.processes.set(name, child);
    return child;
  }

  private service(name: string): SupervisedProcess {
    const found = this.processes.get(name);
    if (!found) {
      const known = ['proxy', ...this.processes.keys()].join(', ');
      throw new OrchestratorError('service_not_found', `no service "${name}" in the native stack (${known})`);
    }
    return found;
  }

  private setProxyState(state: ServiceStatus['state']): void {
    // The front proxy lives in the engine itself: it goes up and down with the stack only.
    this.proxyStatus = { name: 'proxy', service: 'proxy', state, since: Date.now(), actions: [] };
    this.events.emit({ type: 'service', status: this.proxyStatus });
  }

  private progress(step: string, done = false): void {
    this.events.emit({ type: 'progress', step, ...(done ? { done } : {}) });
  }

  private startFailure(error: unknown): OrchestratorError {
    if (error instanceof OrchestratorError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      return new OrchestratorError('port_in_use', `port ${this.endpoints.origin} is already in use`, {
        cause: error,
      });
    const message = error instanceof Error ? error.message : String(error);
    const [first, ...rest] = message.split('\n');
    return new OrchestratorError('service_unhealthy', first ?? message, {
      cause: error,
      details: rest.join('\n'),
    });
  }
}

async function gatewayHealth(port: number | undefined): Promise<boolean> {
  if (!port) return false;
  const res = await fetch(`http://127.0.0.1:${port}/v1/health`, { signal: AbortSignal.timeout(1500) });
  await res.arrayBuffer();
  return res.ok;
}
