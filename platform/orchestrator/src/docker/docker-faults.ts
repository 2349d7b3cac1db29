import type { FaultSpec } from '@relaybox/protocol';
import type Docker from 'dockerode';
import { OrchestratorError } from '../engine.js';
import type { AppliedFault, FaultDriver } from '../faults/fault-controller.js';
import { expireConnection, slowConnection } from '../faults/fault-helpers.js';
import type { LinkProxies } from '../faults/link-proxies.js';
import type { StackDefinition } from '../stack-definition.js';
import { waitHealthy } from './health-wait.js';
import type { StackContainers } from './stack-containers.js';
import { INSTANCE_LABEL } from './stack-plan.js';

export interface DockerFaultContext {
  docker: Docker;
  containers: StackContainers;
  definition: StackDefinition;
  admin: () => { admin: string; adminToken: string } | undefined;
  /** The link proxies between gateway containers and their services (`linkProxies`), if any. */
  links: () => LinkProxies | undefined;
  healthTimeoutMs: number;
}

/**
 * The docker engine's faults, through Dockerode: pause/unpause and kill (then start again, as a
 * killed container is not restarted by its policy) of gateway and worker containers, stop/start
 * of the stack's RabbitMQ container, and `rabbitmqctl` run inside it (the stack's own broker: all
 * its connections are the stack's). Link faults go through the proxies of `linkProxies` (host
 * networking only); without them they are `fault_unsupported`.
 */
export function dockerFaultDriver(ctx: DockerFaultContext): FaultDriver {
  return async (spec: FaultSpec): Promise<AppliedFault> => {
    switch (spec.kind) {
      case 'gateway.pause': {
        const found = await containersOf(ctx, requireTarget(spec), 'gateway');
        for (const c of found) await ctx.docker.getContainer(c.Id).pause();
        return {
          detail: `paused ${names(found)}`,
          heal: async () => {
            for (const c of found) await ctx.docker.getContainer(c.Id).unpause();
          },
        };
      }
      case 'gateway.kill':
      case 'worker.kill': {
        const role = spec.kind === 'worker.kill' ? 'worker' : 'gateway';
        const found = await containersOf(
          ctx,
          spec.kind === 'worker.kill' ? 'worker' : requireTarget(spec),
          role,
        );
        for (const c of found) await ctx.docker.getContainer(c.Id).kill();
        const settled = Promise.all(found.map((c) => startAgain(ctx, c))).then(() => {});
        return { detail: `killed ${names(found)} (SIGKILL); starting again`, settled };
      }
      case 'worker.restart': {
        const found = await containersOf(ctx, 'worker', 'worker');
        for (const c of found) await ctx.docker.getContainer(c.Id).restart({ t: 5 });
        return { detail: `restarted ${names(found)}` };
      }
      case 'broker.stop': {
        const found = await containersOf(ctx, serviceOf(ctx, 'rabbitmq'), 'rabbitmq');
        for (const c of found) await ctx.docker.getContainer(c.Id).stop({ t: 5 });
        return {
          detail: `stopped ${names(found)}`,
          heal: async () => {
            await Promise.all(found.map((c) => startAgain(ctx, c)));
          },
        };
      }
      case 'broker.drop-connections': {
        const found = await containersOf(ctx, serviceOf(ctx, 'rabbitmq'), 'rabbitmq');
        for (const c of found)
          await ctx.containers.exec(c.Names[0]!.replace(/^\//, ''), [
            'rabbitmqctl',
            'close_all_connections',
            'relaybox fault injection',
          ]);
        return { detail: `closed every connection of ${names(found)} (rabbitmqctl in the container)` };
      }
      case 'client.expire-token':
        return { detail: await expireConnection(ctx.admin(), spec.target as string) };
      case 'client.slow':
        return slowConnection(ctx.admin, spec);
      case 'link.cut':
      case 'link.slow': {
        const links = ctx.links();
        if (!links)
          throw new OrchestratorError(
            'fault_unsupported',
            `the docker engine injects ${spec.kind} only with host networking and link proxies (DockerEngine option linkProxies): this stack's gateways reach Redis and RabbitMQ directly`,
          );
        const chosen = links.select(spec.target, spec.link);
        for (const { proxy } of chosen) {
          if (spec.kind === 'link.cut') proxy.cut();
          else proxy.toxics(spec);
        }
        return {
          detail: `${spec.kind === 'link.cut' ? 'cut' : 'slowed'} ${chosen.map((c) => c.name).join(', ')}`,
          heal: async () => {
            for (const { proxy } of chosen) {
              if (spec.kind === 'link.cut') proxy.restore();
              else proxy.clearToxics();
            }
          },
        };
      }
    }
  };
}

function requireTarget(spec: FaultSpec): string {
  if (!spec.target)
    throw new OrchestratorError(
      'invalid_argument',
      `${spec.kind} needs a target: a gateway (gateway-1) or "gateway" for all`,
    );
  return spec.target;
}

function serviceOf(ctx: DockerFaultContext, role: 'rabbitmq'): string {
  const name = ctx.definition.serviceOfRole(role);
  if (!name) throw new OrchestratorError('service_not_found', `the stack definition has no ${role} service`);
  return name;
}

async function containersOf(
  ctx: DockerFaultContext,
  target: string,
  role: string,
): Promise<Docker.ContainerInfo[]> {
  const found = (await ctx.containers.find(target)).filter(
    (c) => c.State === 'running' || c.State === 'paused',
  );
  if (found.length === 0)
    throw new OrchestratorError('service_not_found', `no running ${role} "${target}" in the docker stack`);
  return found;
}

async function startAgain(ctx: DockerFaultContext, container: Docker.ContainerInfo): Promise<void> {
  await ctx.docker
    .getContainer(container.Id)
    .start()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 304) throw error;
    });
  const name = container.Names[0]!.replace(/^\//, '');
  await waitHealthy(ctx.docker, name, container.Labels[INSTANCE_LABEL] ?? name, ctx.healthTimeoutMs);
}

function names(found: Docker.ContainerInfo[]): string {
  return found.map((c) => c.Labels[INSTANCE_LABEL] ?? c.Names[0]).join(', ');
}
