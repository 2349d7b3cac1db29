import type { ConnectionQuota, HistoryStore, JobQueue, SessionStore } from '@relaybox/core';
import {
  historyQueue,
  processHistoryJob,
  processSessionsJob,
  sessionsQueue,
  sweepJobId,
  trimJobId,
} from '@relaybox/workers';
import { Intervals } from './intervals.js';
import type { Logger } from './logger.js';
import type { PresenceService } from './presence-service.js';
import { tracedJob } from './tracing/job-traces.js';
import { Tracer } from './tracing/tracer.js';

/** A gateway whose heartbeat is this old is dead; with the sweep period this bounds ghost presence (< 30 s). */
export const HEARTBEAT_TTL_MS = 15_000;
const GATEWAY_SWEEP_MS = 5_000;
/** Age retention of history runs in the background on this period (never on the publish path). */
const HISTORY_TRIM_MS = 60_000;

export interface MaintenanceDeps extends MaintenanceProcessorDeps {
  jobs: JobQueue;
  /** False: this gateway only enqueues; a worker process (`main.ts worker sessions,history`) runs the jobs. */
  processJobs?: boolean;
}

export interface MaintenanceProcessorDeps {
  sessions: SessionStore;
  history: HistoryStore;
  presence: Pick<PresenceService, 'gateways' | 'removeGateway'>;
  connections: ConnectionQuota;
  resumeWindowMs: number;
  maxAgeMs: (appId: string) => number;
  log: Logger;
  /** Each run emits `job.sweep` / `job.trim` when tracing is on. */
  tracer?: Tracer;
}

/** The maintenance queues a process can run jobs of (the `worker` role names them). */
export type MaintenanceQueue = 'sessions' | 'history';

/** Runs the jobs of the given maintenance queues in this process, with plain `(job, deps)` processors. */
export function processMaintenanceJobs(
  jobs: JobQueue,
  deps: MaintenanceProcessorDeps,
  queues: readonly MaintenanceQueue[] = ['sessions', 'history'],
): void {
  const { log, sessions, history, presence } = deps;
  const info = (message: string, fields: Record<string, unknown>) => log.info(message, fields);
  const tracer = deps.tracer ?? Tracer.off;
  if (queues.includes('sessions')) {
    jobs.process(sessionsQueue, tracedJob('job.sweep', processSessionsJob, tracer), {
      sessions,
      presence,
      connections: deps.connections,
      resumeWindowMs: deps.resumeWindowMs,
      log: info,
    });
  }
  if (queues.includes('history')) {
    jobs.process(historyQueue, tracedJob('job.trim', processHistoryJob, tracer), {
      history,
      maxAgeMs: deps.maxAgeMs,
      now: Date.now,
      log: info,
    });
  }
}

/**
 * Background work of the cluster, run as queue jobs: the dead-gateway sweep and history age
 * retention. Every gateway enqueues each period's job under the same id, so the cluster runs it once
 * per period (on whichever gateway's worker takes it), and it keeps running while any gateway is alive.
 * With `processJobs: false` the jobs wait for a separate worker process instead.
 */
export class Maintenance {
  private readonly intervals = new Intervals();

  constructor(private readonly deps: MaintenanceDeps) {
    if (deps.processJobs !== false) processMaintenanceJobs(deps.jobs, deps);
  }

  start(): void {
    const { jobs, log } = this.deps;
    const warn = (what: string) => (error: unknown) => log.warn(what, { error: String(error) });
    this.intervals.every(GATEWAY_SWEEP_MS, () => {
      const jobId = sweepJobId(Date.now(), GATEWAY_SWEEP_MS);
      jobs
        .enqueue(sessionsQueue, { v: 1, kind: 'sweep-dead-gateways' }, { jobId })
        .catch(warn('sweep enqueue failed'));
    });
    this.intervals.every(HISTORY_TRIM_MS, () => {
      const jobId = trimJobId(Date.now(), HISTORY_TRIM_MS);
      jobs
        .enqueue(historyQueue, { v: 1, kind: 'trim-expired' }, { jobId })
        .catch(warn('trim enqueue failed'));
    });
  }

  stop(): void {
    this.intervals.clear();
  }
}
