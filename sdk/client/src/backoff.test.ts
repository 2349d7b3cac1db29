import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('stays within [min, min(max, min·2^(n+1))] and resets', () => {
    for (const value of [0, 0.5, 0.999_999]) {
      const backoff = new Backoff(250, 15_000, () => value);
      for (let n = 0; n < 40; n++) {
        const delay = backoff.next();
        expect(delay).toBeGreaterThanOrEqual(250);
        expect(delay).toBeLessThanOrEqual(Math.min(15_000, 250 * 2 ** (n + 1)));
      }
      backoff.reset();
      expect(backoff.next()).toBeLessThanOrEqual(500);
    }
  });

  it('uses the whole window', () => {
    expect(new Backoff(100, 10_000, () => 0).next()).toBe(100);
    const top = new Backoff(100, 10_000, () => 0.999_999);
    expect([top.next(), top.next(), top.next()]).toEqual([199, 399, 799]);
    expect(Backoff.ceiling(100, 10_000, 1_000)).toBe(10_000);
  });
});
