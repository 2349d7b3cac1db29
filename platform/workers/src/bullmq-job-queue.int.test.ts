import { randomBytes } from 'node:crypto';
import { defineQueue } from '@relaybox/core';
import { describeJobQueueConformance, waitFor } from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './testing/redis-keys.js';

describeJobQueueConformance('BullMqJobQueue', () => {
  const prefix = uniquePrefix();
  return {
    createQueue: () => new BullMqJobQueue({ url: REDIS_URL, prefix }),
    dispose: async () => {
      await deleteKeys(prefix);
    },
  };
});

describe('BullMqJobQueue against Redis', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('keeps jobs across instances: enqueued by one process, run by another after a restart', async () => {
    const prefix = uniquePrefix();
    cleanup.push(() => deleteKeys(prefix));
    const jobs = defineQueue<{ v: 1; n: number }>('handover');
    const producer = new BullMqJobQueue({ url: REDIS_URL, prefix });
    await producer.enqueue(jobs, { v: 1, n: 7 }, { jobId: 'evt:1' });
    await producer.close();

    const consumer = new BullMqJobQueue({ url: REDIS_URL, prefix });
    cleanup.push(() => consumer.close());
    const seen: string[] = [];
    consumer.process(jobs, async (job) => void seen.push(`${job.id}=${job.data.n}`), null);
    await waitFor(() => seen.length === 1, 10_000, 'the handed-over job');
    expect(seen).toEqual(['evt:1=7']);

    const admin = new Redis(REDIS_URL);
    cleanup.push(async () => admin.disconnect());
    expect(await admin.keys(`${prefix}:handover:*`)).not.toHaveLength(0);
    expect(await admin.exists(`${prefix}:handover:j_evt%3A1`)).toBe(1);
  });

  it('rejects enqueue with store_unavailable within its bound when Redis cannot be reached', async () => {
    const queue = new BullMqJobQueue({
      url: `redis://127.0.0.1:1`,
      prefix: `rbtest:${randomBytes(4).toString('hex')}`,
      enqueueTimeoutMs: 500,
    });
    cleanup.push(() => queue.close());
    const started = Date.now();
    await expect(queue.enqueue(defineQueue<{ v: 1 }>('down'), { v: 1 })).rejects.toMatchObject({
      code: 'store_unavailable',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
