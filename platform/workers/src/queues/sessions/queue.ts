import { defineQueue, type QueueDefinition } from '@relaybox/core';

export const SESSIONS_QUEUE_NAME = 'sessions';

/** Sweep every dead gateway: broadcast its members' presence leaves and release its sessions. */
export interface SessionsJobDataV1 {
  v: 1;
  kind: 'sweep-dead-gateways';
}

export type SessionsJobData = SessionsJobDataV1;

export const sessionsQueue: QueueDefinition<SessionsJobData> = defineQueue<SessionsJobData>(
  SESSIONS_QUEUE_NAME,
  {
    attempts: 1,
  },
);

/**
 * Every gateway enqueues the sweep of the current period under the same id, so the cluster runs
 * it once per period whichever gateways are alive (a crashed one simply stops enqueuing).
 */
export function sweepJobId(now: number, periodMs: number): string {
  return `sweep-${Math.floor(now / periodMs)}`;
}
