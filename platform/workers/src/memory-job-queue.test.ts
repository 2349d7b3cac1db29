import { defineQueue } from '@relaybox/core';
import { describeJobQueueConformance, sleep, waitFor } from '@relaybox/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryJobQueue } from './memory-job-queue.js';

describeJobQueueConformance('MemoryJobQueue', () => ({
  createQueue: () => new MemoryJobQueue(),
  dispose: async () => {},
}));

describe('MemoryJobQueue retention', () => {
  const queues: MemoryJobQueue[] = [];
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });

  it('forgets a finished id after retainFinishedMs, so it can run again', async () => {
    const queue = new MemoryJobQueue({ retainFinishedMs: 50 });
    queues.push(queue);
    const jobs = defineQueue<{ v: 1 }>('retention');
    const ids: string[] = [];
    queue.process(jobs, async (job) => void ids.push(job.id), null);
    await queue.enqueue(jobs, { v: 1 }, { jobId: 'x' });
    await waitFor(() => ids.length === 1);
    await queue.enqueue(jobs, { v: 1 }, { jobId: 'x' });
    await sleep(100);
    expect(ids).toEqual(['x']);
    await queue.enqueue(jobs, { v: 1 }, { jobId: 'x' });
    await waitFor(() => ids.length === 2);
    expect(ids).toEqual(['x', 'x']);
  });
});
