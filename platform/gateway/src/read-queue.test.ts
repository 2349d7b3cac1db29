import { describe, expect, it } from 'vitest';
import { ReadQueue } from './read-queue.js';

/** Lets every pending microtask (and the ones they queue) run, but no timer or immediate. */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

describe('ReadQueue', () => {
  it('runs at most `limit` tasks at once, the rest in order, and survives failures', async () => {
    const queue = new ReadQueue(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      order.push(i);
      if (i === 1) throw new Error('boom');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => queue.run(task(i))));
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(order.slice(2).sort()).toEqual([2, 3, 4]);
  });

  it('starts a waiting task in a later turn of the event loop, not in the microtasks of the one before', async () => {
    const queue = new ReadQueue(1);
    const started: string[] = [];
    const first = queue.run(async () => {
      started.push('first');
    });
    const second = queue.run(async () => {
      started.push('second');
    });
    await first;
    await drainMicrotasks();
    expect(started).toEqual(['first']);
    await second;
    expect(started).toEqual(['first', 'second']);
  });

  it('skips the tasks whose turn comes once cancelled, resolving undefined', async () => {
    let closed = false;
    const queue = new ReadQueue(1, () => closed);
    const ran: number[] = [];
    const task = (i: number) => async () => {
      ran.push(i);
      if (i === 0) closed = true;
      return i;
    };
    const results = await Promise.all([0, 1, 2].map((i) => queue.run(task(i))));
    expect(ran).toEqual([0]);
    expect(results).toEqual([0, undefined, undefined]);
  });
});
