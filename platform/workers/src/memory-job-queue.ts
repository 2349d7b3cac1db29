import { randomUUID } from 'node:crypto';
import {
  backoffDelayMs,
  type Job,
  type JobOptions,
  type JobProcessor,
  type JobQueue,
  PermanentJobError,
  type ProcessOptions,
  type QueueDefinition,
  resolveJobOptions,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

export interface MemoryJobQueueOptions {
  /** How long a finished job's id keeps deduping enqueues, in ms. Default 24 h. */
  retainFinishedMs?: number;
  /** At most this many finished ids are kept (oldest dropped first). Default 100,000. */
  maxRetainedJobs?: number;
}

interface StoredJob {
  queue: string;
  id: string;
  data: string;
  options: ReturnType<typeof resolveJobOptions>;
  enqueuedAt: number;
  attemptsMade: number;
}

interface Lane {
  waiting: StoredJob[];
  running: number;
  worker?: { run: (job: Job<unknown>) => Promise<void>; concurrency: number };
}

/**
 * `JobQueue` inside one process, for the embedded engine and fast tests: the same dedupe, attempt
 * counting and backoff as `BullMqJobQueue`, with timers instead of Redis. Jobs live in memory
 * only: what has not finished when the process stops (or `close()` is called) is lost.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly lanes = new Map<string, Lane>();
  /** Ids of jobs waiting, delayed or running. */
  private readonly open = new Set<string>();
  /** Ids of finished jobs still deduping → when they finished, oldest first. */
  private readonly finished = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retainFinishedMs: number;
  private readonly maxRetainedJobs: number;
  private closed = false;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.retainFinishedMs = options.retainFinishedMs ?? 24 * 3_600_000;
    this.maxRetainedJobs = options.maxRetainedJobs ?? 100_000;
  }

  async enqueue<Data>(queue: QueueDefinition<Data>, data: Data, options?: JobOptions): Promise<void> {
    if (this.closed) throw closedError();
    const resolved = resolveJobOptions(queue.defaults, options);
    const id = resolved.jobId ?? randomUUID();
    const key = jobKey(queue.name, id);
    this.pruneFinished();
    if (this.open.has(key) || this.finished.has(key)) return;
    this.open.add(key);
    const job: StoredJob = {
      queue: queue.name,
      id,
      data: JSON.stringify(data) ?? 'null',
      options: resolved,
      enqueuedAt: Date.now(),
      attemptsMade: 0,
    };
    this.lane(queue.name).waiting.push(job);
    this.pump(queue.name);
  }

  process<Data, Deps>(
    queue: QueueDefinition<Data>,
    processor: JobProcessor<Data, Deps>,
    deps: Deps,
    options: ProcessOptions = {},
  ): void {
    if (this.closed) throw closedError();
    const lane = this.lane(queue.name);
    if (lane.worker) throw new Error(`queue "${queue.name}" already has a processor`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
    lane.worker = { run: (job) => processor(job as Job<Data>, deps), concurrency };
    this.pump(queue.name);
  }

  /** Stops timers and new tries, then waits for running tries to settle. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { waiting: [], running: 0 };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  private pump(name: string): void {
    const lane = this.lane(name);
    const worker = lane.worker;
    if (!worker) return;
    while (!this.closed && lane.running < worker.concurrency && lane.waiting.length > 0) {
      const job = lane.waiting.shift() as StoredJob;
      lane.running++;
      const attempt = this.attempt(job, worker.run).finally(() => {
        lane.running--;
        this.inFlight.delete(attempt);
        this.pump(name);
      });
      this.inFlight.add(attempt);
    }
  }

  private async attempt(stored: StoredJob, run: (job: Job<unknown>) => Promise<void>): Promise<void> {
    const job: Job<unknown> = Object.freeze({
      id: stored.id,
      queue: stored.queue,
      data: JSON.parse(stored.data),
      attempt: stored.attemptsMade + 1,
      maxAttempts: stored.options.attempts,
      enqueuedAt: stored.enqueuedAt,
    });
    let failure: unknown;
    let failed = false;
    try {
      await run(job);
    } catch (error) {
      failed = true;
      failure = error;
    }
    stored.attemptsMade++;
    const final =
      !failed || failure instanceof PermanentJobError || stored.attemptsMade >= stored.options.attempts;
    if (final) {
      const key = jobKey(stored.queue, stored.id);
      this.open.delete(key);
      this.finished.set(key, Date.now());
      return;
    }
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.lane(stored.queue).waiting.push(stored);
        this.pump(stored.queue);
      },
      backoffDelayMs(stored.options.backoff, stored.attemptsMade),
    );
    this.timers.add(timer);
  }

  /** Forgets finished ids past retention, and the oldest beyond the bound. */
  private pruneFinished(): void {
    const horizon = Date.now() - this.retainFinishedMs;
    let excess = this.finished.size - this.maxRetainedJobs;
    for (const [key, finishedAt] of this.finished) {
      if (finishedAt > horizon && excess <= 0) break;
      this.finished.delete(key);
      excess--;
    }
  }
}

function jobKey(queue: string, id: string): string {
  return `${queue}\u0000${id}`;
}

function closedError(): RelayBoxError {
  return new RelayBoxError(ErrorCode.StoreUnavailable, 'job queue is closed');
}
