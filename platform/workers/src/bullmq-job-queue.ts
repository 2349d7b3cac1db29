import { randomUUID } from 'node:crypto';
import { connectRedis, parseRedisCluster, type RedisClient } from '@relaybox/adapters';
import {
  type BackoffOptions,
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
import { type Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq';

export interface BullMqJobQueueOptions {
  /** `redis://...` or `redis+cluster://host:port,...`. Default 'redis://127.0.0.1:6379'. */
  url?: string;
  /**
   * BullMQ key prefix (one per cluster or test). Default 'rb:bull'. On a Redis Cluster BullMQ's
   * scripts need every key of a queue in one slot: a prefix without a hash tag is used as `{<prefix>}`.
   */
  prefix?: string;
  /** How long a completed job's id keeps deduping enqueues, in seconds. Default 24 h. */
  retainCompletedSec?: number;
  /** How long a failed job stays inspectable (and deduping), in seconds. Default 7 days. */
  retainFailedSec?: number;
  /** Bound on one enqueue, in ms. Default 5000. */
  enqueueTimeoutMs?: number;
  /**
   * How long a running job's lock lasts without renewal (a live worker renews it every half of
   * this): a job whose worker died is taken up again by another worker after at most about twice
   * this. Default 30 s (BullMQ's).
   */
  lockDurationMs?: number;
  /**
   * Connection and worker errors BullMQ reports in the background (it reconnects by itself). Jobs
   * that cannot be stored surface as rejected enqueues instead. Default: ignored.
   */
  onError?: (error: Error) => void;
}

/** At most this many finished jobs of each kind are kept, whatever their age. */
const MAX_RETAINED_JOBS = 100_000;

/**
 * `JobQueue` on BullMQ: one BullMQ `Queue` (producer) and at most one `Worker` per queue name,
 * sharing two ioredis clients: one that fails commands fast for enqueues, one that waits out
 * outages for the workers (BullMQ requires `maxRetriesPerRequest: null` there). Jobs survive the
 * process: what is waiting or delayed at `close()` runs on the next worker of the same prefix.
 *
 * BullMQ refuses job ids with `:` and numeric ids; ids are stored as `j_<encodeURIComponent(id)>`
 * and decoded before processors see them.
 */
export class BullMqJobQueue implements JobQueue {
  private readonly producer: RedisClient;
  private readonly consumer: RedisClient;
  private readonly prefix: string;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly options: Required<Omit<BullMqJobQueueOptions, 'url' | 'prefix'>>;
  private closed = false;

  constructor(options: BullMqJobQueueOptions = {}) {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    this.prefix = bullPrefix(options.prefix ?? 'rb:bull', url);
    this.options = {
      retainCompletedSec: options.retainCompletedSec ?? 24 * 3600,
      retainFailedSec: options.retainFailedSec ?? 7 * 24 * 3600,
      enqueueTimeoutMs: options.enqueueTimeoutMs ?? 5000,
      lockDurationMs: options.lockDurationMs ?? 30_000,
      onError: options.onError ?? (() => {}),
    };
    const retryStrategy = (times: number): number => Math.min(times * 100, 1000);
    this.producer = connectRedis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy });
    this.consumer = connectRedis(url, { maxRetriesPerRequest: null, connectTimeout: 2000, retryStrategy });
    // Without a listener ioredis prints every connection error.
    this.producer.on('error', this.options.onError);
    this.consumer.on('error', this.options.onError);
  }

  async enqueue<Data>(definition: QueueDefinition<Data>, data: Data, options?: JobOptions): Promise<void> {
    if (this.closed) throw closedError();
    const resolved = resolveJobOptions(definition.defaults, options);
    const adding = this.queue(definition.name).add(definition.name, data, {
      jobId: encodeJobId(resolved.jobId ?? randomUUID()),
      attempts: resolved.attempts,
      backoff: toBullBackoff(resolved.backoff),
      removeOnComplete: { age: this.options.retainCompletedSec, count: MAX_RETAINED_JOBS },
      removeOnFail: { age: this.options.retainFailedSec, count: MAX_RETAINED_JOBS },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.options.enqueueTimeoutMs} ms`)),
        this.options.enqueueTimeoutMs,
      );
    });
    try {
      await Promise.race([adding, timeout]);
    } catch (cause) {
      adding.catch(() => {});
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new RelayBoxError(ErrorCode.StoreUnavailable, `job queue unavailable: ${detail}`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  process<Data, Deps>(
    definition: QueueDefinition<Data>,
    processor: JobProcessor<Data, Deps>,
    deps: Deps,
    options: ProcessOptions = {},
  ): void {
    if (this.closed) throw closedError();
    if (this.workers.has(definition.name)) {
      throw new Error(`queue "${definition.name}" already has a processor`);
    }
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
    const worker = new Worker(
      definition.name,
      async (bullJob: BullJob) => {
        try {
          await processor(toJob<Data>(definition.name, bullJob), deps);
        } catch (error) {
          if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
          throw error;
        }
      },
      {
        connection: this.consumer,
        prefix: this.prefix,
        concurrency,
        lockDuration: this.options.lockDurationMs,
        stalledInterval: this.options.lockDurationMs,
      },
    );
    worker.on('error', this.options.onError);
    this.workers.set(definition.name, worker);
  }

  /** Lets running tries finish, then closes workers, queues and both clients. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.workers.values()].map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.all([quit(this.producer), quit(this.consumer)]);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.prefix });
      queue.on('error', this.options.onError);
      this.queues.set(name, queue);
    }
    return queue;
  }
}

function toJob<Data>(queue: string, job: BullJob): Job<Data> {
  return Object.freeze({
    id: decodeJobId(job.id ?? ''),
    queue,
    data: job.data as Data,
    attempt: job.attemptsMade + 1,
    maxAttempts: job.opts.attempts ?? 1,
    enqueuedAt: job.timestamp,
  });
}

function toBullBackoff(backoff: BackoffOptions | undefined): { type: string; delay: number } | undefined {
  // BullMQ's built-in strategies match `backoffDelayMs`: exponential is round(2^(n-1) × delay).
  return backoff && { type: backoff.type, delay: backoff.delayMs };
}

function encodeJobId(id: string): string {
  return `j_${encodeURIComponent(id)}`;
}

function decodeJobId(stored: string): string {
  return stored.startsWith('j_') ? decodeURIComponent(stored.slice(2)) : stored;
}

/** The prefix BullMQ gets: hash-tagged on a Redis Cluster (see `BullMqJobQueueOptions.prefix`). */
export function bullPrefix(prefix: string, url: string): string {
  if (!parseRedisCluster(url) || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

async function quit(redis: RedisClient): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const timer = setTimeout(() => redis.disconnect(), 2000);
  await redis.quit().catch(() => redis.disconnect());
  clearTimeout(timer);
}

function closedError(): RelayBoxError {
  return new RelayBoxError(ErrorCode.StoreUnavailable, 'job queue is closed');
}
