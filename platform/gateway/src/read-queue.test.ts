import { describe, expect, it } from 'vitest';
import { ReadQueue } from './read-queue.js';

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
});
