import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
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
import { controllableActions } from '../service-actions.js';
import { readStackDefinition, type ServiceDefinition, type StackDefinition } from '../stack-definition.js';
import {
  assertDockerAvailable,
  createDockerClient,
  type DockerConnectionOptions,
  describeDockerHost,
} from './docker-connection.js';
import { dockerFaultDriver } from './docker-faults.js';
import { EventMonitor } from './event-monitor.js';
import { waitHealthy } from './health-wait.js';
import { ensureImage } from './image-builder.js';
import { assertPortsFree } from './port-check.js';
import { ProxyReloader } from './proxy-reloader.js';
import { serviceLogs } from './service-logs.js';
import { PORT_LABEL, StackContainers, statusOf } from './stack-containers.js';
import { INSTANCE_LABEL, type Instance, type NetworkMode, StackPlan } from './stack-plan.js';

export interface DockerEngineOptions extends DockerConnectionOptions {
  /** Stack name: container, network and volume names and the `dev.relaybox.stack` label (default `relaybox`). */
  stack?: string;
  /**
   * The folder of the stack to run: its compose.yaml, and what that file's builds and bind mounts
   * refer to. Default `defaultStackDir()`: a checkout's compose/ from sources, the carried
   * `stack/` beside a CLI bundle (the `relaybox` package, the desktop app's CLI). A host that
   * bundles the orchestrator itself passes the carried folder here.
   */
  stackDir?: string;
  /** A stack definition file, instead of `<stackDir>/compose.yaml`. */
  composeFile?: string;
  /** Merged into the definition like a compose override file (maps merge, the rest replaces). */
  overrides?: Record<string, unknown>;
  /** `bridge` (default) or `host`, for engines without a bridge network (dockerd --bridge=none). */
  network?: NetworkMode;
  /** Compose variables: base images (NODE_IMAGE, REDIS_IMAGE, ...), ports. */
  variables?: Record<string, string>;
  /** Per-service limit for reaching healthy (default 180 s). */
  healthTimeoutMs?: number;
  /** Shared by every gateway of the stack (default: generated per `up`). */
  cursorSecret?: string;
  /**
   * With host networking: put a TCP proxy of this process between each gateway container and
   * Redis/RabbitMQ, so `link.cut` / `link.slow` faults work (default false). The links then live
   * as long as this process: only for an engine that stays up with its stack (`relaybox up`, tests).
   */
  linkProxies?: boolean;
}

const DEFAULT_PORT = 9000;
const MAX_GATEWAYS = 16;

/**
 * The docker engine: runs compose/compose.yaml on a Docker engine through Dockerode. Every
 * container carries the stack's labels, so `status`, `logs` and `down` also work from a process
 * that did not start the stack; `scale` needs the process that ran `up` (it holds the plan).
 */
export class DockerEngine implements Engine {
  readonly name = 'docker' as const;
  private readonly docker: Docker;
  private readonly definition: StackDefinition;
  private readonly containers: StackContainers;
  private readonly monitor: EventMonitor;
  private readonly proxy: ProxyReloader;
  private readonly listeners = new Set<(event: StackEvent) => void>();
  private readonly statuses = new Map<string, ServiceStatus>();
  /** Container create+start calls in flight (a failed `up` waits for them before cleaning up). */
  private readonly creating = new Set<Promise<unknown>>();
  private plan: StackPlan | undefined;
  private phase: 'idle' | 'starting' | 'stopping' = 'idle';
  readonly faults: FaultController;
  private links: LinkProxies | undefined;

  constructor(private readonly options: DockerEngineOptions = {}) {
    this.docker = createDockerClient(options);
    this.definition = readStackDefinition({
      ...(options.composeFile ? { file: options.composeFile } : {}),
      ...(options.stackDir ? { dir: options.stackDir } : {}),
      ...(options.overrides ? { overrides: options.overrides } : {}),
    });
    this.containers = new StackContainers(this.docker, options.stack ?? 'relaybox');
    this.proxy = new ProxyReloader(this.containers, this.definition);
    this.monitor = new EventMonitor(
      this.docker,
      this.containers.stack,
      (status) => this.setStatus(status),
      (instance) => this.statuses.delete(instance),
    );
    const admin = () => this.adminTarget();
    this.faults = new FaultController(
      'docker',
      dockerFaultDriver({
        docker: this.docker,
        containers: this.containers,
        definition: this.definition,
        admin,
        links: () => this.links,
        healthTimeoutMs: options.healthTimeoutMs ?? 180_000,
      }),
      (event) => this.emit(event),
      new FaultMarker(admin),
    );
  }

  /** The stack's admin API through its origin (needs the process that ran `up`: it holds the token). */
  private adminTarget(): { admin: string; adminToken: string } | undefined {
    if (!this.plan) return undefined;
    return {
      admin: `http://127.0.0.1:${this.plan.options.port}/v1/admin`,
      adminToken: this.plan.options.adminToken,
    };
  }

  async up(options: UpOptions = {}): Promise<UpResult> {
    await this.assertAvailable();
    const gatewayService = this.definition.serviceOfRole('gateway');
    const gateways = options.gateways ?? 2;
    if (!Number.isInteger(gateways) || gateways < 1 || gateways > MAX_GATEWAYS)
      throw new OrchestratorError('invalid_argument', `gateways must be 1-${MAX_GATEWAYS}, got ${gateways}`);
    const existing = await this.containers.list();
    if (existing.some((c) => c.State === 'running'))
      throw new OrchestratorError(
        'invalid_argument',
        `stack ${this.containers.stack} is already running (\`relaybox down\` stops it first)`,
      );
    const devApiKey = options.devApiKey ?? `dev.default:${randomBytes(24).toString('base64url')}`;
    const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
    const plan = new StackPlan(this.definition, {
      stack: this.containers.stack,
      port: options.port ?? DEFAULT_PORT,
      network: this.options.network ?? 'bridge',
      devApiKey,
      adminToken,
      cursorSecret: this.options.cursorSecret ?? randomBytes(32).toString('base64url'),
      gateways,
      variables: this.options.variables ?? {},
    });
    await assertPortsFree(plan.hostPorts(gateways));
    this.plan = plan;
    this.phase = 'starting';
    const abort = new AbortController();
    try {
      await this.containers.remove(existing);
      await this.monitor.start();
      await this.startAll(plan, gatewayService, gateways, abort.signal);
    } catch (error) {
      // Stop builds and health waits still running, let containers being created appear, then
      // remove everything: a failed `up` leaves nothing behind.
      abort.abort();
      await Promise.allSettled([...this.creating]);
      await this.down().catch(() => {});
      throw error;
    } finally {
      this.phase = 'idle';
    }
    this.progress('stack healthy', undefined, true);
    return { status: await this.status(), devApiKey, adminToken };
  }

  async down(options: { volumes?: boolean } = {}): Promise<void> {
    await this.assertAvailable();
    await this.faults.healAll();
    this.phase = 'stopping';
    try {
      await this.containers.remove(await this.containers.list());
      await this.containers.removeNetworks();
      if (options.volumes) await this.containers.removeVolumes();
    } finally {
      await this.links?.closeAll();
      this.links = undefined;
      this.monitor.stop();
      this.statuses.clear();
      this.plan = undefined;
      this.phase = 'idle';
    }
  }

  async status(): Promise<StackStatus> {
    const listed = await this.containers.list().catch(() => []);
    const services = listed.map((c) => this.statuses.get(c.Labels[INSTANCE_LABEL] ?? '') ?? statusOf(c));
    services.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    const port = this.plan?.options.port ?? Number(listed[0]?.Labels[PORT_LABEL] ?? DEFAULT_PORT);
    const healthy = services.every((s) => s.state === 'healthy' || s.state === 'running');
    const state =
      this.phase === 'starting' || this.phase === 'stopping'
        ? this.phase
        : services.length === 0
          ? 'stopped'
          : healthy
            ? 'running'
            : 'degraded';
    return { engine: 'docker', state, services, endpoints: endpoints(port) };
  }

  async scale(service: 'gateway', replicas: number): Promise<StackStatus> {
    const plan = this.requirePlan('scale');
    const name = this.definition.serviceOfRole(service);
    if (!name)
      throw new OrchestratorError('service_not_found', `the stack definition has no ${service} service`);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_GATEWAYS)
      throw new OrchestratorError('invalid_argument', `replicas must be 1-${MAX_GATEWAYS}, got ${replicas}`);
    const wanted = plan.instances(name, replicas);
    const current = await this.containers.find(name).catch(() => []);
    const surplus = current.filter((c) => !wanted.some((w) => w.name === c.Labels[INSTANCE_LABEL]));
    await assertPortsFree(
      wanted
        .filter((w) => w.port !== undefined && !current.some((c) => c.Labels[INSTANCE_LABEL] === w.name))
        .map((w) => ({ port: w.port as number, what: w.name })),
    );
    await Promise.all(wanted.map((instance) => this.ensureRunning(plan, instance, current)));
    // New replicas join the proxy once healthy; removed ones leave it before they stop.
    await this.proxy.update(plan, wanted);
    await this.containers.remove(surplus);
    for (const c of surplus) await this.links?.remove(c.Labels[INSTANCE_LABEL] ?? '');
    return this.status();
  }

  async startService(name: string): Promise<void> {
    for (const c of await this.containers.find(name))
      await this.docker.getContainer(c.Id).start().catch(notModified);
  }

  async stopService(name: string): Promise<void> {
    for (const c of await this.containers.find(name))
      await this.docker.getContainer(c.Id).stop({ t: 5 }).catch(notModified);
  }

  async restartService(name: string): Promise<void> {
    for (const c of await this.containers.find(name)) await this.docker.getContainer(c.Id).restart({ t: 5 });
  }

  async logs(
    name: string,
    options: LogOptions,
    onLine: (event: StackEvent & { type: 'log' }) => void,
  ): Promise<() => void> {
    return serviceLogs(this.docker, await this.containers.find(name), options, onLine);
  }

  onEvent(listener: (event: StackEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async assertAvailable(): Promise<void> {
    await assertDockerAvailable(this.docker, describeDockerHost(this.options, process.env));
  }

  private requirePlan(what: string): StackPlan {
    if (!this.plan)
      throw new OrchestratorError(
        'stack_not_running',
        `cannot ${what}: stack ${this.containers.stack} was not started by this engine (run \`relaybox up --engine docker\`)`,
      );
    return this.plan;
  }

  /**
   * Starts each service once its image is ready and everything it depends on is healthy: Redis
   * and RabbitMQ come up while the platform image builds. One build or pull per image, even when
   * several services share it.
   */
  private async startAll(
    plan: StackPlan,
    gatewayService: string | undefined,
    gateways: number,
    signal: AbortSignal,
  ): Promise<void> {
    await this.containers.ensureNetwork(plan);
    await this.containers.ensureVolumes(plan);
    const images = new Map<string, Promise<void>>();
    const ready = new Map<string, Promise<void>>();
    for (const name of this.definition.startOrder()) {
      const service = this.definition.service(name, plan.variables);
      if (!images.has(service.image)) images.set(service.image, this.ensureImage(plan, service, signal));
      const instances = plan.instances(name, name === gatewayService ? gateways : undefined);
      const start = Promise.all([
        images.get(service.image),
        ...service.dependsOn.map((d) => ready.get(d.service)),
      ]).then(() =>
        Promise.all(instances.map((instance) => this.startInstance(plan, instance, signal))).then(() => {}),
      );
      // A failure surfaces once, from Promise.all below; dependents just never start.
      start.catch(() => {});
      ready.set(name, start);
    }
    await Promise.all([...images.values(), ...ready.values()]);
  }

  private ensureImage(plan: StackPlan, service: ServiceDefinition, signal: AbortSignal): Promise<void> {
    return ensureImage(this.docker, service, {
      signal,
      ...(plan.options.network === 'host' ? { networkMode: 'host' } : {}),
      onProgress: (event) => this.emit(event),
    });
  }

  /** A gateway instance whose Redis and RabbitMQ URLs go through its own link proxies (`linkProxies`). */
  private async withLinkProxies(plan: StackPlan, instance: Instance): Promise<Instance> {
    const env = instance.definition.environment;
    if (
      !this.options.linkProxies ||
      plan.options.network !== 'host' ||
      instance.definition.role !== 'gateway'
    )
      return instance;
    this.links ??= new LinkProxies(env.RELAYBOX_REDIS_URL ?? '', env.RELAYBOX_AMQP_URL ?? '');
    const urls = await this.links.add(instance.name);
    const environment = { ...env, RELAYBOX_REDIS_URL: urls.redisUrl, RELAYBOX_AMQP_URL: urls.amqpUrl };
    return { ...instance, definition: { ...instance.definition, environment } };
  }

  private async startInstance(plan: StackPlan, given: Instance, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Error('up was aborted');
    const instance = await this.withLinkProxies(plan, given);
    this.progress(`start ${instance.name}`);
    const creating = this.containers.create(plan, instance).then((container) => container.start());
    this.creating.add(creating);
    await creating.finally(() => this.creating.delete(creating));
    this.setStatus({
      name: instance.name,
      service: instance.definition.name,
      state: 'starting',
      since: Date.now(),
      actions: controllableActions('starting'),
    });
    await waitHealthy(
      this.docker,
      instance.containerName,
      instance.name,
      this.options.healthTimeoutMs ?? 180_000,
      signal,
    );
    this.setStatus({
      name: instance.name,
      service: instance.definition.name,
      state: 'healthy',
      since: Date.now(),
      actions: controllableActions('healthy'),
    });
    this.progress(`start ${instance.name}`, 'healthy', true);
  }

  private async ensureRunning(
    plan: StackPlan,
    instance: Instance,
    current: Docker.ContainerInfo[],
  ): Promise<void> {
    const existing = current.find((c) => c.Labels[INSTANCE_LABEL] === instance.name);
    if (!existing) return this.startInstance(plan, instance);
    if (existing.State !== 'running') await this.docker.getContainer(existing.Id).start().catch(notModified);
    await waitHealthy(
      this.docker,
      instance.containerName,
      instance.name,
      this.options.healthTimeoutMs ?? 180_000,
    );
  }

  private setStatus(status: ServiceStatus): void {
    const previous = this.statuses.get(status.name);
    if (previous && previous.state === status.state && previous.detail === status.detail) return;
    this.statuses.set(status.name, status);
    this.emit({ type: 'service', status });
    this.onGatewayChange(status);
  }

  private onGatewayChange(status: ServiceStatus): void {
    if (!this.plan || this.phase !== 'idle') return;
    this.proxy
      .gatewayChanged(this.plan, status, this.statuses.values())
      ?.catch((error: Error) => this.progress('update proxy', error.message));
  }

  private progress(step: string, detail?: string, done?: boolean): void {
    this.emit({ type: 'progress', step, ...(detail ? { detail } : {}), ...(done ? { done } : {}) });
  }

  private emit(event: StackEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * The compose variables set in `env` (like `docker compose`, which reads them from the shell):
 * base images (`NODE_IMAGE`, `REDIS_IMAGE`, ...), host-network ports. For the CLI:
 * `new DockerEngine({ variables: composeVariablesFrom(process.env) })`.
 */
export function composeVariablesFrom(
  env: Record<string, string | undefined>,
  stack: { composeFile?: string; stackDir?: string } = {},
): Record<string, string> {
  const definition = readStackDefinition({
    ...(stack.composeFile ? { file: stack.composeFile } : {}),
    ...(stack.stackDir ? { dir: stack.stackDir } : {}),
  });
  const picked: Record<string, string> = {};
  for (const name of definition.variableNames) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

function endpoints(port: number): StackEndpoints {
  const origin = `http://localhost:${port}`;
  return {
    origin,
    websocket: `ws://localhost:${port}/v1/ws`,
    rest: `${origin}/v1`,
    console: `${origin}/console`,
    admin: `${origin}/v1/admin`,
  };
}

function notModified(error: unknown): void {
  if ((error as { statusCode?: number }).statusCode === 304) return;
  throw error;
}
