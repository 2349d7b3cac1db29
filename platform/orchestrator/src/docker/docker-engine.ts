import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import {
  type Engine,
  type LogOptions,
  OrchestratorError,
  type ServiceStatus,
  type StackEvent,
  type StackStatus,
  type UpOptions,
  type UpResult,
} from '../engine.js';
import { FaultController } from '../faults/fault-controller.js';
import { FaultMarker } from '../faults/fault-marker.js';
import { readStackDefinition, type StackDefinition } from '../stack-definition.js';
import { assertDockerAvailable, createDockerClient, describeDockerHost } from './docker-connection.js';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_PORT,
  type DockerEngineOptions,
  endpoints,
  MAX_GATEWAYS,
} from './docker-engine-options.js';
import { dockerFaultDriver } from './docker-faults.js';
import { EventMonitor } from './event-monitor.js';
import { InstanceStarter, notModified } from './instance-starter.js';
import { assertPortsFree } from './port-check.js';
import { ProxyReloader } from './proxy-reloader.js';
import { serviceLogs } from './service-logs.js';
import { PORT_LABEL, StackContainers, statusOf } from './stack-containers.js';
import { INSTANCE_LABEL, StackPlan } from './stack-plan.js';

export { composeVariablesFrom, type DockerEngineOptions } from './docker-engine-options.js';

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
  private plan: StackPlan | undefined;
  private phase: 'idle' | 'starting' | 'stopping' = 'idle';
  readonly faults: FaultController;
  private readonly starter: InstanceStarter;

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
    this.starter = new InstanceStarter({
      docker: this.docker,
      definition: this.definition,
      containers: this.containers,
      options,
      setStatus: (status) => this.setStatus(status),
      emit: (event) => this.emit(event),
      progress: (step, detail, done) => this.progress(step, detail, done),
    });
    const admin = () => this.adminTarget();
    this.faults = new FaultController(
      'docker',
      dockerFaultDriver({
        docker: this.docker,
        containers: this.containers,
        definition: this.definition,
        admin,
        links: () => this.starter.links,
        healthTimeoutMs: options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
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
      await this.starter.startAll(plan, gatewayService, gateways, abort.signal);
    } catch (error) {
      // Stop builds and health waits still running, let containers being created appear, then
      // remove everything: a failed `up` leaves nothing behind.
      abort.abort();
      await Promise.allSettled([...this.starter.creating]);
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
      await this.starter.links?.closeAll();
      this.starter.links = undefined;
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
    await Promise.all(wanted.map((instance) => this.starter.ensureRunning(plan, instance, current)));
    // New replicas join the proxy once healthy; removed ones leave it before they stop.
    await this.proxy.update(plan, wanted);
    await this.containers.remove(surplus);
    for (const c of surplus) await this.starter.links?.remove(c.Labels[INSTANCE_LABEL] ?? '');
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
