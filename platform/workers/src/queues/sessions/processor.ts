import { type ConnectionQuota, type Job, PermanentJobError, type SessionStore } from '@relaybox/core';
import type { SessionsJobData } from './queue.js';

export interface SessionsDeps {
  sessions: SessionStore;
  /** Presence of the cluster; `removeGateway` broadcasts a leave for every member it removes. */
  presence: { gateways(): Promise<string[]>; removeGateway(gatewayId: string): Promise<number> };
  /** Cluster-wide per-app connection reservations; a dead gateway's are dropped. */
  connections?: Pick<ConnectionQuota, 'gateways' | 'releaseGateway'>;
  /** Released sessions stay claimable this long so their clients can still resume elsewhere. */
  resumeWindowMs: number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Finds every gateway whose heartbeat expired and cleans up after it completely: presence first
 * (leaves broadcast), then its connection reservations, then its sessions, each store working through its own per-gateway index in
 * bounded batches until nothing is left. Idempotent: a sweep cut short is finished by the next one.
 */
export async function processSessionsJob(job: Job<SessionsJobData>, deps: SessionsDeps): Promise<void> {
  if (job.data.v !== 1)
    throw new PermanentJobError(`sessions job ${job.id}: unsupported data version ${job.data.v}`);
  const candidates = [...(await deps.presence.gateways())];
  if (deps.connections) candidates.push(...(await deps.connections.gateways()));
  const dead = await deps.sessions.deadGateways(new Set(candidates));
  for (const gatewayId of dead) {
    const leaves = await deps.presence.removeGateway(gatewayId);
    // Before the sessions: the session sweep forgets the gateway, and a crash here is retried.
    await deps.connections?.releaseGateway(gatewayId);
    const released = await deps.sessions.sweepGateway(gatewayId, { resumeWindowMs: deps.resumeWindowMs });
    deps.log('swept dead gateway', { gatewayId, presenceLeaves: leaves, sessions: released.length });
  }
}
