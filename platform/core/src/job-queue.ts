/** How long to wait before the next try of a job whose attempt failed. */
export interface BackoffOptions {
  /** `exponential`: delayMs × 2^(n-1) after failed attempt n; `fixed`: delayMs after every attempt. */
  type: 'exponential' | 'fixed';
  delayMs: number;
}

export interface JobOptions {
  /**
   * Dedupe key (1-256 characters, any). While a job with this id is known to the queue (waiting,
   * delayed, running, or finished and still retained), enqueuing it again adds nothing. Default: a
   * random id.
   */
  jobId?: string;
  /** Tries in total, the first one included (≥ 1). Default 1. */
  attempts?: number;
  /** Default: the next try is due at once. */
  backoff?: BackoffOptions;
}

/**
 * A queue's name, the type of its data and the default options of its jobs; lives in
 * `workers/src/queues/<name>/queue.ts`. `Data` must survive a JSON round trip and should carry a
 * version field (`v`), since jobs outlive the code that enqueued them.
 */
export interface QueueDefinition<Data> {
  readonly name: string;
  readonly defaults: Readonly<JobOptions>;
  /** Type carrier only; never set. */
  readonly __data?: Data;
}

export function defineQueue<Data>(name: string, defaults: JobOptions = {}): QueueDefinition<Data> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new RangeError(`invalid queue name "${name}"`);
  return Object.freeze({ name, defaults: Object.freeze({ ...defaults }) });
}

/** One try of a job, as a processor sees it. */
export interface Job<Data> {
  /** The `jobId` it was enqueued with (or the generated one). */
  readonly id: string;
  readonly queue: string;
  /** The enqueued data after a JSON round trip. */
  readonly data: Data;
  /** This try's number: 1 for the first, up to `maxAttempts`. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When the job was enqueued, ms since the epoch. */
  readonly enqueuedAt: number;
}

/**
 * A plain function of (job, deps): the same processor runs on BullMQ in a worker process and in
 * memory inside the embedded engine. Resolving completes the job; throwing fails this try (the
 * queue retries it while attempts remain); throwing `PermanentJobError` fails the job for good.
 */
export type JobProcessor<Data, Deps> = (job: Job<Data>, deps: Deps) => Promise<void>;

export interface ProcessOptions {
  /** Jobs of this queue run at once by this JobQueue instance. Default 1. */
  concurrency?: number;
}

/**
 * Background jobs, one named queue per kind of job.
 *
 * Guarantees:
 * - At least once: an enqueued job is handed to a processor of its queue until one try resolves,
 *   `attempts` tries have failed, or a try throws `PermanentJobError`. A try may run again after
 *   a crash or a lost lock, so processors must be idempotent (or let the receiver dedupe).
 * - Dedupe: enqueuing a `jobId` the queue still knows (waiting, delayed, running, or finished
 *   and still retained: by default 24 h, bounded in count) adds nothing and resolves normally.
 * - Retries: after failed try n < attempts, try n + 1 starts no sooner than
 *   `backoffDelayMs(backoff, n)` later. `job.attempt` counts 1, 2, ... with no gap (a try re-run
 *   after a crash keeps its number).
 * - No order between jobs (retries and concurrency reorder them).
 * - A queue's jobs wait until a processor is registered for it; each instance runs at most
 *   `concurrency` of them at once.
 * - `enqueue` resolves once the job is stored; it rejects (never drops silently) with a retryable
 *   `RelayBoxError(store_unavailable)` when it cannot store it, after which the job may or may
 *   not exist: enqueue again with the same jobId. Bad options reject with a RangeError.
 * - `close()` stops taking jobs, waits for running tries to settle, and rejects later enqueues.
 *   Whether unfinished jobs survive it is the implementation's (BullMQ: yes; memory: no).
 */
export interface JobQueue {
  enqueue<Data>(queue: QueueDefinition<Data>, data: Data, options?: JobOptions): Promise<void>;
  process<Data, Deps>(
    queue: QueueDefinition<Data>,
    processor: JobProcessor<Data, Deps>,
    deps: Deps,
    options?: ProcessOptions,
  ): void;
  close(): Promise<void>;
}

/** Thrown by a processor when retrying cannot help (e.g. a 4xx answer): the job fails at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
  readonly code = 'ERR_JOB_PERMANENT';
}

/** Delay before the try after failed try `failedAttempt` (1-based). */
export function backoffDelayMs(backoff: BackoffOptions | undefined, failedAttempt: number): number {
  if (!backoff) return 0;
  if (backoff.type === 'fixed') return backoff.delayMs;
  return Math.round(2 ** (failedAttempt - 1) * backoff.delayMs);
}

/** Sum of the delays between the tries of a job that fails every time. */
export function totalBackoffMs(backoff: BackoffOptions | undefined, attempts: number): number {
  let total = 0;
  for (let n = 1; n < attempts; n++) total += backoffDelayMs(backoff, n);
  return total;
}

/** Merged options of one enqueue, validated; throws RangeError for a bad value. */
export function resolveJobOptions(
  defaults: Readonly<JobOptions>,
  options: JobOptions = {},
): Required<Pick<JobOptions, 'attempts'>> & JobOptions {
  const merged = { ...defaults, ...options };
  const attempts = merged.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('attempts must be an integer ≥ 1');
  if (merged.jobId !== undefined && (merged.jobId.length < 1 || merged.jobId.length > 256)) {
    throw new RangeError('jobId must have 1-256 characters');
  }
  const delay = merged.backoff?.delayMs;
  if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
    throw new RangeError('backoff.delayMs must be a finite number ≥ 0');
  }
  return { ...merged, attempts };
}
