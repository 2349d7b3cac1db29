import { type HistoryStore, type Job, PermanentJobError } from '@relaybox/core';
import type { HistoryJobData } from './queue.js';

export interface HistoryDeps {
  history: HistoryStore;
  /** The age bound of an app's rooms (per-app retention). */
  maxAgeMs: (appId: string) => number;
  now: () => number;
  log: (message: string, fields: Record<string, unknown>) => void;
}

/** Trims expired messages of every room, in the store's bounded steps, off the publish path. */
export async function processHistoryJob(job: Job<HistoryJobData>, deps: HistoryDeps): Promise<void> {
  if (job.data.v !== 1)
    throw new PermanentJobError(`history job ${job.id}: unsupported data version ${job.data.v}`);
  const { rooms, removed } = await deps.history.trimExpired({ now: deps.now(), maxAgeMs: deps.maxAgeMs });
  if (removed > 0) deps.log('trimmed expired history', { rooms, removed });
}
