import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineQueue, type Job, type JobQueue, PermanentJobError } from '../job-queue.js';
import { sleep, waitFor } from './wait-for.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface JobQueueConformanceContext {
  /** A new queue instance on this context's store (a fresh Redis prefix, say). */
  createQueue(): JobQueue;
  /** Removes what the context created. Runs after every queue was closed. */
  dispose(): Promise<void>;
}

export type JobQueueConformanceFactory = () =>
  | JobQueueConformanceContext
  | Promise<JobQueueConformanceContext>;

interface TestData {
  v: 1;
  n: number;
  nested?: { list: number[]; when?: unknown; gone?: undefined };
}

const TEST_TIMEOUT_MS = 20_000;
/** How long a test watches for a try that must not happen. */
const QUIET_MS = 300;

const alpha = defineQueue<TestData>('conformance-alpha');
const beta = defineQueue<TestData>('conformance-beta');

/** Records every try a processor sees, with its start time. */
class Tries {
  readonly seen: { job: Job<TestData>; deps: unknown; at: number }[] = [];

  of(jobId: string): { job: Job<TestData>; at: number }[] {
    return this.seen.filter((s) => s.job.id === jobId);
  }

  until(count: number, what: string): Promise<void> {
    return waitFor(() => this.seen.length >= count, 10_000, what);
  }

  /** A processor that records every try, then runs `then` (which throws to fail the try). */
  record(
    then: (job: Job<TestData>) => void = () => {},
  ): (job: Job<TestData>, deps: unknown) => Promise<void> {
    return async (job, deps) => {
      this.seen.push({ job, deps, at: Date.now() });
      then(job);
    };
  }
}

/** Runs the `JobQueue` port's guarantees (platform/core/src/job-queue.ts) against one implementation. */
export function describeJobQueueConformance(name: string, factory: JobQueueConformanceFactory): void {
  describe(`JobQueue conformance: ${name}`, () => {
    let ctx: JobQueueConformanceContext;
    let queues: JobQueue[];

    beforeEach(async () => {
      ctx = await factory();
      queues = [];
    });

    afterEach(async () => {
      await Promise.allSettled(queues.map((q) => q.close()));
      await ctx.dispose();
    });

    const created = (): JobQueue => {
      const queue = ctx.createQueue();
      queues.push(queue);
      return queue;
    };

    it(
      'runs an enqueued job once, with its id, its data after a JSON round trip and the given deps',
      async () => {
        const queue = created();
        const tries = new Tries();
        const deps = { marker: Symbol('deps') };
        queue.process(alpha, tries.record(), deps);
        const before = Date.now();
        const when = new Date(1_700_000_000_000);
        await queue.enqueue(
          alpha,
          { v: 1, n: 1, nested: { list: [1, 2], when, gone: undefined } },
          { jobId: 'evt 1:endpoint/a', attempts: 3 },
        );
        await queue.enqueue(alpha, { v: 1, n: 2 }, { jobId: '42' });
        await queue.enqueue(alpha, { v: 1, n: 3 });
        const after = Date.now();
        await tries.until(3, 'three tries');
        await sleep(QUIET_MS);
        expect(tries.seen).toHaveLength(3);

        const first = tries.of('evt 1:endpoint/a');
        expect(first).toHaveLength(1);
        expect(first[0]?.job).toMatchObject({ queue: 'conformance-alpha', attempt: 1, maxAttempts: 3 });
        expect(first[0]?.job.data).toEqual({ v: 1, n: 1, nested: { list: [1, 2], when: when.toJSON() } });
        expect(first[0]?.job.enqueuedAt).toBeGreaterThanOrEqual(before - 1000);
        expect(first[0]?.job.enqueuedAt).toBeLessThanOrEqual(after + 1000);
        expect(tries.of('42')[0]?.job).toMatchObject({ data: { v: 1, n: 2 }, attempt: 1, maxAttempts: 1 });
        const generated = tries.seen.find((s) => s.job.data.n === 3)?.job.id;
        expect(generated).toMatch(/^.{8,}$/);
        expect(generated).not.toBe('42');
        for (const s of tries.seen) expect(s.deps).toBe(deps);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'adds a jobId once: while it waits, and after it completed',
      async () => {
        const queue = created();
        await Promise.all([1, 2, 3].map((n) => queue.enqueue(alpha, { v: 1, n }, { jobId: 'same' })));
        const tries = new Tries();
        queue.process(alpha, tries.record(), null);
        await tries.until(1, 'the first try');
        await queue.enqueue(alpha, { v: 1, n: 4 }, { jobId: 'same' });
        await queue.enqueue(alpha, { v: 1, n: 5 }, { jobId: 'other' });
        await waitFor(() => tries.of('other').length === 1, 10_000, 'the other job');
        await sleep(QUIET_MS);
        expect(tries.of('same')).toHaveLength(1);
        expect(tries.seen).toHaveLength(2);
        expect([1, 2, 3]).toContain(tries.of('same')[0]?.job.data.n);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'retries a failing job with exponential delays until a try succeeds',
      async () => {
        const queue = created();
        const tries = new Tries();
        queue.process(
          alpha,
          tries.record((job) => {
            if (job.attempt < 4) throw new Error(`try ${job.attempt} fails`);
          }),
          null,
        );
        await queue.enqueue(
          alpha,
          { v: 1, n: 1 },
          { jobId: 'flaky', attempts: 6, backoff: { type: 'exponential', delayMs: 40 } },
        );
        await tries.until(4, 'four tries');
        await sleep(QUIET_MS);
        expect(tries.seen.map((s) => [s.job.attempt, s.job.maxAttempts])).toEqual([
          [1, 6],
          [2, 6],
          [3, 6],
          [4, 6],
        ]);
        const gaps = tries.seen.slice(1).map((s, i) => s.at - (tries.seen[i]?.at ?? 0));
        // Timers may fire a millisecond early relative to Date.now(); the backoff is 40, 80, 160 ms.
        expect(gaps[0]).toBeGreaterThanOrEqual(38);
        expect(gaps[1]).toBeGreaterThanOrEqual(78);
        expect(gaps[2]).toBeGreaterThanOrEqual(158);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'stops after `attempts` failed tries',
      async () => {
        const queue = created();
        const tries = new Tries();
        queue.process(
          alpha,
          tries.record(() => {
            throw new Error('always fails');
          }),
          null,
        );
        await queue.enqueue(
          alpha,
          { v: 1, n: 1 },
          { jobId: 'doomed', attempts: 3, backoff: { type: 'fixed', delayMs: 20 } },
        );
        await tries.until(3, 'three tries');
        await sleep(QUIET_MS);
        expect(tries.seen.map((s) => s.job.attempt)).toEqual([1, 2, 3]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'fails a job at once on PermanentJobError and keeps its id known',
      async () => {
        const queue = created();
        const tries = new Tries();
        queue.process(
          alpha,
          tries.record(() => {
            throw new PermanentJobError('cannot succeed');
          }),
          null,
        );
        await queue.enqueue(
          alpha,
          { v: 1, n: 1 },
          { jobId: 'permanent', attempts: 5, backoff: { type: 'fixed', delayMs: 10 } },
        );
        await tries.until(1, 'one try');
        await sleep(QUIET_MS);
        await queue.enqueue(alpha, { v: 1, n: 2 }, { jobId: 'permanent', attempts: 5 });
        await sleep(QUIET_MS);
        expect(tries.seen.map((s) => [s.job.id, s.job.attempt])).toEqual([['permanent', 1]]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps jobs until their queue has a processor, and never hands them to another queue',
      async () => {
        const queue = created();
        await queue.enqueue(alpha, { v: 1, n: 1 }, { jobId: 'a1' });
        await queue.enqueue(beta, { v: 1, n: 2 }, { jobId: 'b1' });
        const alphaTries = new Tries();
        queue.process(
          alpha,
          async (job) => void alphaTries.seen.push({ job, deps: null, at: Date.now() }),
          null,
        );
        await alphaTries.until(1, 'the alpha job');
        await sleep(QUIET_MS);
        const betaTries = new Tries();
        queue.process(
          beta,
          async (job) => void betaTries.seen.push({ job, deps: null, at: Date.now() }),
          null,
        );
        await betaTries.until(1, 'the beta job');
        await sleep(QUIET_MS);
        expect(alphaTries.seen.map((s) => [s.job.queue, s.job.id])).toEqual([['conformance-alpha', 'a1']]);
        expect(betaTries.seen.map((s) => [s.job.queue, s.job.id])).toEqual([['conformance-beta', 'b1']]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'runs at most `concurrency` tries at once',
      async () => {
        const queue = created();
        let running = 0;
        let peak = 0;
        let done = 0;
        queue.process(
          alpha,
          async () => {
            running++;
            peak = Math.max(peak, running);
            await sleep(60);
            running--;
            done++;
          },
          null,
          { concurrency: 3 },
        );
        await Promise.all(Array.from({ length: 9 }, (_, n) => queue.enqueue(alpha, { v: 1, n })));
        await waitFor(() => done === 9, 10_000, 'nine jobs');
        expect(peak).toBe(3);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'close() waits for a running try, then rejects enqueue with a retryable store_unavailable',
      async () => {
        const queue = created();
        let started = false;
        let finished = false;
        queue.process(
          alpha,
          async () => {
            started = true;
            await sleep(250);
            finished = true;
          },
          null,
        );
        await queue.enqueue(alpha, { v: 1, n: 1 });
        await waitFor(() => started, 10_000, 'the try to start');
        await queue.close();
        expect(finished).toBe(true);
        const error = await queue.enqueue(alpha, { v: 1, n: 2 }).then(
          () => new Error('enqueue after close resolved'),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RelayBoxError);
        expect(error).toMatchObject({ code: ErrorCode.StoreUnavailable, retryable: true });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects bad job options without storing anything',
      async () => {
        const queue = created();
        await expect(queue.enqueue(alpha, { v: 1, n: 1 }, { attempts: 0 })).rejects.toThrow(/attempts/);
        await expect(queue.enqueue(alpha, { v: 1, n: 1 }, { jobId: '' })).rejects.toThrow(/jobId/);
        await expect(
          queue.enqueue(alpha, { v: 1, n: 1 }, { backoff: { type: 'fixed', delayMs: -1 } }),
        ).rejects.toThrow(/delayMs/);
        const tries = new Tries();
        queue.process(alpha, tries.record(), null);
        await sleep(QUIET_MS);
        expect(tries.seen).toHaveLength(0);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
