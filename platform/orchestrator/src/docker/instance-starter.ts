import type Docker from 'dockerode';
import type { ServiceStatus, StackEvent } from '../engine.js';
import { LinkProxies } from '../faults/link-proxies.js';
import { controllableActions } from '../service-actions.js';
import type { ServiceDefinition, StackDefinition } from '../stack-definition.js';
import { DEFAULT_HEALTH_TIMEOUT_MS, type DockerEngineOptions } from './docker-engine-options.js';
import { waitHealthy } from './health-wait.js';
import { ensureImage } from './image-builder.js';
import type { StackContainers } from './stack-containers.js';
import { INSTANCE_LABEL, type Instance, type StackPlan } from './stack-plan.js';

export interface InstanceStarterDeps {
  docker: Docker;
  definition: StackDefinition;
  containers: StackContainers;
  options: DockerEngineOptions;
  setStatus(status: ServiceStatus): void;
  emit(event: StackEvent): void;
  progress(step: string, detail?: string, done?: boolean): void;
}

/**
 * How the docker engine brings containers up: one build or pull per image, services in dependency
 * order once what they depend on is healthy, each instance waited for until healthy, and gateway
 * instances wired through their own link proxies when the engine was asked for them.
 */
export class InstanceStarter {
  /** Container create+start calls in flight (a failed `up` waits for them before cleaning up). */
  readonly creating = new Set<Promise<unknown>>();
  /** The gateways' link proxies (`linkProxies` with host networking), created with the first one. */
  links: LinkProxies | undefined;

  constructor(private readonly deps: InstanceStarterDeps) {}

  /**
   * Starts each service once its image is ready and everything it depends on is healthy: Redis
   * and RabbitMQ come up while the platform image builds. One build or pull per image, even when
   * several services share it.
   */
  async startAll(
    plan: StackPlan,
    gatewayService: string | undefined,
    gateways: number,
    signal: AbortSignal,
  ): Promise<void> {
    await this.deps.containers.ensureNetwork(plan);
    await this.deps.containers.ensureVolumes(plan);
    const images = new Map<string, Promise<void>>();
    const ready = new Map<string, Promise<void>>();
    for (const name of this.deps.definition.startOrder()) {
      const service = this.deps.definition.service(name, plan.variables);
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
    return ensureImage(this.deps.docker, service, {
      signal,
      ...(plan.options.network === 'host' ? { networkMode: 'host' } : {}),
      onProgress: (event) => this.deps.emit(event),
    });
  }

  /** A gateway instance whose Redis and RabbitMQ URLs go through its own link proxies (`linkProxies`). */
  private async withLinkProxies(plan: StackPlan, instance: Instance): Promise<Instance> {
    const env = instance.definition.environment;
    if (
      !this.deps.options.linkProxies ||
      plan.options.network !== 'host' ||
      instance.definition.role !== 'gateway'
    )
      return instance;
    this.links ??= new LinkProxies(env.RELAYBOX_REDIS_URL ?? '', env.RELAYBOX_AMQP_URL ?? '');
    const urls = await this.links.add(instance.name);
    const environment = { ...env, RELAYBOX_REDIS_URL: urls.redisUrl, RELAYBOX_AMQP_URL: urls.amqpUrl };
    return { ...instance, definition: { ...instance.definition, environment } };
  }

  async startInstance(plan: StackPlan, given: Instance, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new Error('up was aborted');
    const instance = await this.withLinkProxies(plan, given);
    this.deps.progress(`start ${instance.name}`);
    const creating = this.deps.containers.create(plan, instance).then((container) => container.start());
    this.creating.add(creating);
    await creating.finally(() => this.creating.delete(creating));
    this.deps.setStatus({
      name: instance.name,
      service: instance.definition.name,
      state: 'starting',
      since: Date.now(),
      actions: controllableActions('starting'),
    });
    await waitHealthy(
      this.deps.docker,
      instance.containerName,
      instance.name,
      this.deps.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      signal,
    );
    this.deps.setStatus({
      name: instance.name,
      service: instance.definition.name,
      state: 'healthy',
      since: Date.now(),
      actions: controllableActions('healthy'),
    });
    this.deps.progress(`start ${instance.name}`, 'healthy', true);
  }

  async ensureRunning(plan: StackPlan, instance: Instance, current: Docker.ContainerInfo[]): Promise<void> {
    const existing = current.find((c) => c.Labels[INSTANCE_LABEL] === instance.name);
    if (!existing) return this.startInstance(plan, instance);
    if (existing.State !== 'running')
      await this.deps.docker.getContainer(existing.Id).start().catch(notModified);
    await waitHealthy(
      this.deps.docker,
      instance.containerName,
      instance.name,
      this.deps.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    );
  }
}

/** A start or stop of a container already in that state (HTTP 304) is no failure. */
export function notModified(error: unknown): void {
  if ((error as { statusCode?: number }).statusCode === 304) return;
  throw error;
}
