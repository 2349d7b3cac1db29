import { FAULT_LIMITS, type FaultSpec } from '@relaybox/protocol';
import { OrchestratorError } from '../engine.js';
import type { AppliedFault } from './fault-controller.js';

/** The stack's admin API (any gateway) and its token; undefined while the stack is down. */
type AdminTarget = { admin: string; adminToken: string } | undefined;

/** The gateways share connection snapshots about once a second: a new connection may be unknown that long. */
const NOT_FOUND_RETRY_MS = 3000;

/**
 * `client.expire-token`: asks the stack's admin API to close the connection as if its token expired
 * now (`POST /v1/admin/connections/:id/expire`; the owning gateway closes it with 4101).
 */
export async function expireConnection(target: AdminTarget, connectionId: string): Promise<string> {
  const body = await connectionCommand(target, connectionId, 'POST', 'expire', 'expire');
  return `token of ${connectionId} expired on ${body.gateway ?? 'its gateway'}`;
}

/**
 * `client.slow`: asks the stack's admin API to make the connection read only `readBytesPerSec`
 * (`POST /v1/admin/connections/:id/slow`; the owning gateway queues what it cannot deliver, see
 * the gateway's slow-reader.ts). The gateway also ends it by itself after the fault's duration
 * (plus a margin), so a heal that never reaches it cannot leave the connection slow for good.
 * Healing a connection that has gone meanwhile (closed as a slow consumer) is no failure.
 */
export async function slowConnection(target: () => AdminTarget, spec: FaultSpec): Promise<AppliedFault> {
  const connectionId = spec.target as string;
  const readBytesPerSec = spec.readBytesPerSec ?? 0;
  const durationMs = Math.min((spec.durationMs as number) + SLOW_MARGIN_MS, FAULT_LIMITS.maxDurationMs);
  const body = await connectionCommand(target(), connectionId, 'POST', 'slow', 'slow down', {
    readBytesPerSec,
    durationMs,
  });
  return {
    detail: `${connectionId} on ${body.gateway ?? 'its gateway'} reads ${readBytesPerSec} B/s`,
    heal: async () => {
      const admin = target();
      if (!admin) return; // the stack is down: the connection went with it
      // A gateway answering from another's snapshot may not list a new connection yet: the same
      // retry as the injection, after which a 404 means the connection is gone.
      await connectionCommand(admin, connectionId, 'DELETE', 'slow', 'recover').catch((error: unknown) => {
        if ((error as OrchestratorError).code !== 'service_not_found') throw error;
      });
    },
  };
}

/** A heal arrives from the orchestrator first; the gateway's own end is only the fallback. */
const SLOW_MARGIN_MS = 2000;

async function connectionCommand(
  target: AdminTarget,
  connectionId: string,
  method: 'POST' | 'DELETE',
  action: string,
  verb: string,
  payload?: unknown,
  retryMs = NOT_FOUND_RETRY_MS,
): Promise<{ gateway?: string }> {
  if (!target) throw new OrchestratorError('stack_not_running', 'the stack is not up');
  const deadline = Date.now() + retryMs;
  for (;;) {
    const res = await fetch(`${target.admin}/connections/${encodeURIComponent(connectionId)}/${action}`, {
      method,
      headers: {
        authorization: `Bearer ${target.adminToken}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json().catch(() => ({}))) as { gateway?: string; error?: { message?: string } };
    if (res.ok) return body;
    if (res.status === 404 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    if (res.status === 404)
      throw new OrchestratorError('service_not_found', `no connection "${connectionId}" on the stack`);
    throw new OrchestratorError(
      'dependency_unavailable',
      `the admin API refused to ${verb} "${connectionId}": ${body.error?.message ?? `HTTP ${res.status}`}`,
    );
  }
}
