import type { ServiceStatus } from '../engine.js';
import type { StackDefinition } from '../stack-definition.js';
import type { StackContainers } from './stack-containers.js';
import type { Instance, StackPlan } from './stack-plan.js';

/**
 * Changes the proxy's gateway list at runtime with the proxy service's `x-relaybox.reload`
 * command (nginx: re-render the upstream block, `nginx -s reload`). Updates run one at a time,
 * in the order they were asked for.
 */
export class ProxyReloader {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly containers: StackContainers,
    private readonly definition: StackDefinition,
  ) {}

  update(plan: StackPlan, gateways: Instance[]): Promise<void> {
    const proxyName = this.definition.serviceOfRole('proxy');
    if (!proxyName) return Promise.resolve();
    const proxy = plan.instance(proxyName, undefined);
    const reload = proxy.definition.reload;
    if (!reload) return Promise.resolve();
    const list = plan.upstreams(proxy.definition, gateways);
    const next = this.queue.then(() => this.containers.exec(proxy.containerName, [...reload, list]));
    this.queue = next.catch(() => {});
    return next;
  }

  /**
   * Under host networking the list holds fixed ports, so a gateway that dies leaves it and one
   * that is healthy again rejoins at once (on a network nginx resolves the service name itself).
   */
  gatewayChanged(
    plan: StackPlan,
    status: ServiceStatus,
    all: Iterable<ServiceStatus>,
  ): Promise<void> | undefined {
    if (plan.options.network !== 'host' || !this.definition.serviceNames().includes(status.service)) return;
    if (this.definition.role(status.service) !== 'gateway') return;
    if (status.state !== 'exited' && status.state !== 'healthy') return;
    const live = [...all]
      .filter((s) => s.service === status.service && s.state === 'healthy')
      .map((s) => plan.instance(s.service, Number(s.name.split('-').at(-1))));
    return this.update(plan, live);
  }
}
