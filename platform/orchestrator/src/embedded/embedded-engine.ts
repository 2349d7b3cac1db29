import {
  createLogger,
  type Logger,
  type LogLevel,
  loadConfig,
  type RunningGateway,
  startGateway,
} from '@relaybox/gateway';
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
import { expireConnection, slowConnection } from '../faults/fault-helpers.js';
import { FaultMarker } from '../faults/fault-marker.js';
import { EventHub, endpointsFor, stackState, validateUpOptions } from '../native/engine-support.js';
import { LogBuffer, type LogEvent } from '../native/log-buffer.js';
import { assertPortFree } from '../native/preflight.js';
import { newSecret, readOrCreateDevKey } from '../native/stack-secrets.js';

export interface EmbeddedEngineOptions {
  /** Holds the dev key (default `.relaybox` in the working directory). */
  dataDir?: string;
  /** Gateway configuration (`RELAYBOX_*`, e.g. `process.env`); the stack's own settings win. */
  env?: Record<string, string | undefined>;
}

/**
 * The whole platform in this Node process: one gateway with the memory broker and stores, its
 * background jobs run inline. Nothing else is needed; it is what `pnpm start` runs.
 */
export class EmbeddedEngine implements Engine {
  readonly name = 'embedded' as const;
  private readonly events = new EventHub();
  private readonly log = new LogBuffer('gateway');
  private running: RunningGateway | undefined;
  private gatewayStatus: ServiceStatus = status('gateway', 'stopped');
  private state: StackStatus['state'] = 'stopped';
  private endpoints: StackEndpoints = endpointsFor(9000);
  private env: Record<string, string | undefined> = {};

  readonly faults: FaultController;

  constructor(private readonly options: EmbeddedEngineOptions = {}) {
    this.log.follow((event) => this.events.emit(event));
    const admin = () => this.adminTarget();
    // One process with in-memory broker and stores: no process to signal, no link to cut. Only
    // what acts on a connection makes sense here.
    this.faults = new FaultController(
      'embedded',
      async (spec) => {
        if (spec.kind === 'client.expire-token')
          return { detail: await expireConnection(admin(), spec.target as string) };
        if (spec.kind === 'client.slow') return slowConnection(admin, spec);
        throw new OrchestratorError(
          'fault_unsupported',
          `the embedded engine cannot inject ${spec.kind}: it runs one gateway with in-memory broker and stores in this process (use the native or docker engine)`,
        );
      },
      (event) => this.events.emit(event),
      new FaultMarker(admin),
    );
  }

  private adminTarget(): { admin: string; adminToken: string } | undefined {
    const adminToken = this.env.RELAYBOX_ADMIN_TOKEN;
    if (this.state !== 'running' || !adminToken) return undefined;
    return { admin: this.endpoints.admin.replace('//localhost:', '//127.0.0.1:'), adminToken };
  }

  async up(options: UpOptions = {}): Promise<UpResult> {
    if (this.state !== 'stopped')
      throw new OrchestratorError('invalid_argument', 'the embedded stack is already up');
    const { gateways, port } = validateUpOptions(options, 1);
    if (gateways !== 1) throw severalGateways();
    this.state = 'starting';
    try {
      this.events.emit({ type: 'progress', step: `Checking port ${port}` });
      await assertPortFree(port);
      const devApiKey = readOrCreateDevKey(this.options.dataDir ?? '.relaybox', options.devApiKey);
      const adminToken = options.adminToken ?? newSecret();
      this.env = {
        ...this.options.env,
        RELAYBOX_ENGINE: 'embedded',
        RELAYBOX_BROKER: 'memory',
        RELAYBOX_STORE: 'memory',
        RELAYBOX_WORKERS: 'inline',
        RELAYBOX_HOST: '127.0.0.1',
        RELAYBOX_PORT: String(port),
        RELAYBOX_DEV_API_KEY: devApiKey,
        RELAYBOX_ADMIN_TOKEN: adminToken,
        RELAYBOX_DATA_DIR: this.options.dataDir ?? '.relaybox',
      };
      this.events.emit({ type: 'progress', step: 'Starting the gateway in this process' });
      await this.startGateway();
      this.events.emit({ type: 'progress', step: 'Starting the gateway in this process', done: true });
      this.state = 'running';
      return { status: await this.status(), devApiKey, adminToken };
    } catch (error) {
      await this.down();
      if (error instanceof OrchestratorError) throw error;
      throw new OrchestratorError(
        'service_unhealthy',
        `the embedded gateway did not start: ${messageOf(error)}`,
        {
          cause: error,
          details: this.log.text(),
        },
      );
    }
  }

  async down(): Promise<void> {
    if (this.state === 'stopped' && !this.running) return;
    this.state = 'stopping';
    await this.stopGateway();
    this.state = 'stopped';
  }

  async status(): Promise<StackStatus> {
    const stats = this.running?.gateway.stats();
    const inProcess = (name: string): ServiceStatus =>
      this.running
        ? { ...status(name, 'running'), since: this.gatewayStatus.since }
        : status(name, 'stopped');
    // The in-process components the gateway composed: memory broker and stores, inline job worker.
    const broker = inProcess('broker');
    if (stats) broker.detail = `memory broker (${stats.broker})`;
    const store = { ...inProcess('store'), detail: 'memory history, presence and sessions' };
    const worker = { ...inProcess('worker'), detail: 'sessions, history and webhook jobs run inline' };
    const gateway = { ...this.gatewayStatus, actions: embeddedGatewayActions(this.gatewayStatus.state) };
    if (stats) gateway.detail = `${stats.connections} connection(s), ${stats.rooms} room(s)`;
    const services = [gateway, broker, store, worker];
    return {
      engine: 'embedded',
      state: stackState(this.state, services),
      services,
      endpoints: this.endpoints,
    };
  }

  async scale(service: 'gateway', replicas: number): Promise<StackStatus> {
    if (service !== 'gateway' || replicas !== 1) throw severalGateways();
    return this.status();
  }

  async startService(name: string): Promise<void> {
    this.gatewayOnly(name);
    if (!this.running) await this.startGateway();
  }

  async stopService(name: string): Promise<void> {
    this.gatewayOnly(name);
    await this.stopGateway();
  }

  async restartService(name: string): Promise<void> {
    this.gatewayOnly(name);
    await this.stopGateway();
    await this.startGateway();
  }

  async logs(name: string, options: LogOptions, onLine: (event: LogEvent) => void): Promise<() => void> {
    this.gatewayOnly(name);
    for (const line of this.log.tail(options.tail ?? 200)) onLine(line);
    return options.follow ? this.log.follow(onLine) : () => {};
  }

  onEvent(listener: (event: StackEvent) => void): () => void {
    return this.events.on(listener);
  }

  private async startGateway(): Promise<void> {
    const config = loadConfig(this.env);
    this.setGateway('starting');
    this.running = await startGateway(config, {
      log: bufferLogger(this.log, config.logLevel, config.nodeId),
    });
    this.endpoints = endpointsFor(this.running.port);
    this.log.push('stdout', `gateway ${config.nodeId} listening on ${this.endpoints.origin}`);
    this.setGateway('healthy');
  }

  private async stopGateway(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await running.shutdown();
    this.setGateway('stopped');
  }

  private setGateway(state: ServiceStatus['state']): void {
    this.gatewayStatus = status('gateway', state);
    this.events.emit({
      type: 'service',
      status: { ...this.gatewayStatus, actions: embeddedGatewayActions(state) },
    });
  }

  private gatewayOnly(name: string): void {
    if (name !== 'gateway') {
      throw new OrchestratorError(
        'service_not_found',
        `the embedded stack has one service, "gateway" (broker, store and worker run inside it), not "${name}"`,
      );
    }
  }
}

function status(name: string, state: ServiceStatus['state']): ServiceStatus {
  return { name, service: name, state, since: Date.now(), actions: [] };
}

/**
 * The one gateway can be restarted in place, or started if `stopService` stopped it; it is not
 * offered a per-service stop: stopping it stops the whole stack (and the console it serves), which
 * is what "Stop stack" is for. Broker, store and worker live inside it: no actions of their own.
 */
function embeddedGatewayActions(state: ServiceStatus['state']): ServiceStatus['actions'] {
  if (state === 'stopped') return ['start'];
  return state === 'healthy' ? ['restart'] : [];
}

function severalGateways(): OrchestratorError {
  return new OrchestratorError(
    'invalid_argument',
    'the embedded engine runs one gateway in this process; use --engine native (or docker) for several',
  );
}

/** The gateway's JSON log lines (the shared format), kept in the engine's log buffer instead of this process's stderr. */
function bufferLogger(buffer: LogBuffer, level: LogLevel, nodeId: string): Logger {
  return createLogger(
    level,
    { nodeId },
    {
      write: (line) => {
        const at = (JSON.parse(line) as { level?: string }).level;
        buffer.push(at === 'error' || at === 'warn' ? 'stderr' : 'stdout', line.trimEnd());
      },
    },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
