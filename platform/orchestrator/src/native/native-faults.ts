import type { FaultSpec } from '@relaybox/protocol';
import { OrchestratorError } from '../engine.js';
import type { AppliedFault, FaultDriver } from '../faults/fault-controller.js';
import { expireConnection, slowConnection } from '../faults/fault-helpers.js';
import type { LinkProxies } from '../faults/link-proxies.js';
import { closeStackConnections } from '../faults/rabbitmq-connections.js';
import type { SupervisedProcess } from './supervised-process.js';

export interface NativeFaultContext {
  /** The stack's gateways and worker by name (live view). */
  processes: () => ReadonlyMap<string, SupervisedProcess>;
  links: () => LinkProxies | undefined;
  amqpUrl: string;
  /** The connection names of this stack's gateways start with it. */
  amqpConnectionPrefix: () => string;
  restart: (name: string) => Promise<void>;
  admin: () => { admin: string; adminToken: string } | undefined;
  running: () => boolean;
}

const BACK_TIMEOUT_MS = 60_000;

/**
 * The native engine's faults: signals to its supervised processes (SIGKILL, SIGSTOP/SIGCONT), the
 * TCP proxies it put between each gateway and Redis/RabbitMQ, and the broker's own connection
 * list. The native engine does not own the local RabbitMQ, so `broker.stop` cuts every gateway's
 * link to it instead of stopping the server.
 */
export function nativeFaultDriver(ctx: NativeFaultContext): FaultDriver {
  return async (spec: FaultSpec): Promise<AppliedFault> => {
    if (!ctx.running()) throw new OrchestratorError('stack_not_running', 'the native stack is not up');
    switch (spec.kind) {
      case 'gateway.kill':
      case 'worker.kill': {
        const targets = pick(ctx, spec.kind === 'worker.kill' ? 'worker' : requireTarget(spec));
        const killed = targets.map((p) => ({ p, pid: p.signal('SIGKILL') }));
        const settled = Promise.all(killed.map(({ p, pid }) => backAfter(p, pid))).then(() => {});
        return { detail: killed.map(({ p, pid }) => `SIGKILL pid ${pid} (${p.name})`).join(', '), settled };
      }
      case 'gateway.pause': {
        const paused = pick(ctx, requireTarget(spec)).map((p) => ({ p, pid: p.signal('SIGSTOP') }));
        return {
          detail: paused.map(({ p, pid }) => `SIGSTOP pid ${pid} (${p.name})`).join(', '),
          heal: async () => {
            for (const { pid } of paused) if (pid) continueProcess(pid);
          },
        };
      }
      case 'worker.restart':
        await ctx.restart('worker');
        return { detail: 'worker restarted' };
      case 'broker.drop-connections': {
        const { closed, via } = await closeStackConnections({
          amqpUrl: ctx.amqpUrl,
          namePrefix: ctx.amqpConnectionPrefix(),
        });
        return { detail: `closed ${closed} RabbitMQ connection(s) of this stack through ${via}` };
      }
      case 'broker.stop':
      case 'link.cut': {
        const chosen = links(ctx).select(
          spec.kind === 'broker.stop' ? undefined : spec.target,
          spec.kind === 'broker.stop' ? 'amqp' : spec.link,
        );
        for (const { proxy } of chosen) proxy.cut();
        return {
          detail: `cut ${chosen.map((c) => c.name).join(', ')}`,
          heal: async () => {
            for (const { proxy } of chosen) proxy.restore();
          },
        };
      }
      case 'link.slow': {
        const chosen = links(ctx).select(spec.target, spec.link);
        for (const { proxy } of chosen) proxy.toxics(spec);
        return {
          detail: `slowed ${chosen.map((c) => c.name).join(', ')}`,
          heal: async () => {
            for (const { proxy } of chosen) proxy.clearToxics();
          },
        };
      }
      case 'client.expire-token':
        return { detail: await expireConnection(ctx.admin(), spec.target as string) };
      case 'client.slow':
        return slowConnection(ctx.admin, spec);
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

function pick(ctx: NativeFaultContext, target: string): SupervisedProcess[] {
  const all = [...ctx.processes().values()];
  const found = all.filter((p) => p.name === target || p.status.service === target);
  if (found.length === 0)
    throw new OrchestratorError(
      'service_not_found',
      `no service "${target}" in the native stack (${all.map((p) => p.name).join(', ')})`,
    );
  const notRunning = found.filter((p) => p.pid === undefined);
  if (notRunning.length > 0)
    throw new OrchestratorError(
      'invalid_argument',
      `${notRunning.map((p) => p.name).join(', ')} is not running`,
    );
  return found;
}

function links(ctx: NativeFaultContext): LinkProxies {
  const proxies = ctx.links();
  if (!proxies) throw new OrchestratorError('stack_not_running', 'the native stack is not up');
  return proxies;
}

/** Resolves once the supervisor restarted the process (a new pid) and it is healthy again. */
async function backAfter(process: SupervisedProcess, killedPid: number | undefined): Promise<void> {
  const deadline = Date.now() + BACK_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { state } = process.status;
    if (
      process.pid !== undefined &&
      process.pid !== killedPid &&
      (state === 'healthy' || state === 'running')
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${process.name} was not back within ${BACK_TIMEOUT_MS / 1000} s`);
}

function continueProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // It is gone (the stack went down meanwhile): nothing to continue.
  }
}
