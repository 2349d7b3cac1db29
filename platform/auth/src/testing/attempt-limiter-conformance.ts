import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptLimiter } from '../attempt-limiter.js';

/** The guarantees of `AttemptLimiter` (attempt-limiter.ts), run against every implementation. */
export function describeAttemptLimiterConformance(
  name: string,
  factory: () => { createLimiter(): AttemptLimiter; dispose(): Promise<void> },
): void {
  describe(`${name} (AttemptLimiter conformance)`, () => {
    let context: ReturnType<typeof factory>;
    let limiters: AttemptLimiter[];
    const limiter = () => {
      const l = context.createLimiter();
      limiters.push(l);
      return l;
    };
    beforeEach(() => {
      context = factory();
      limiters = [];
    });
    afterEach(async () => {
      await Promise.all(limiters.map((l) => l.close()));
      await context.dispose();
    });

    it('lets at most `limit` of 30 concurrent reservations through, across limiters', async () => {
      const results = await Promise.all(
        Array.from({ length: 30 }, () => limiter().reserve('app', [{ key: 'account:a', limit: 5 }], 60_000)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      const refused = results.find((r) => !r.ok);
      expect(refused && !refused.ok && refused.retryAfterMs > 0 && refused.retryAfterMs <= 60_000).toBe(true);
    });

    it('reserves in every bucket or in none', async () => {
      const l = limiter();
      const both = [
        { key: 'account:b', limit: 2 },
        { key: 'address:1', limit: 3 },
      ];
      expect((await l.reserve('app', both, 60_000)).ok).toBe(true);
      expect((await l.reserve('app', both, 60_000)).ok).toBe(true);
      // The account bucket is full: the address bucket must not count this refused attempt.
      expect((await l.reserve('app', both, 60_000)).ok).toBe(false);
      expect((await l.reserve('app', [{ key: 'address:1', limit: 3 }], 60_000)).ok).toBe(true);
      expect((await l.reserve('app', [{ key: 'address:1', limit: 3 }], 60_000)).ok).toBe(false);
    });

    it('gives attempts back, empties buckets, keeps apps apart, and opens a new window', async () => {
      const l = limiter();
      const one = [{ key: 'k', limit: 1 }];
      expect((await l.reserve('app', one, 60_000)).ok).toBe(true);
      expect((await l.reserve('app', one, 60_000)).ok).toBe(false);
      expect((await l.reserve('other-app', one, 60_000)).ok).toBe(true);
      await l.release('app', ['k']);
      expect((await l.reserve('app', one, 60_000)).ok).toBe(true);
      await l.reset('app', ['k']);
      expect((await l.reserve('app', one, 200)).ok).toBe(true);
      expect((await l.reserve('app', one, 200)).ok).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      expect((await l.reserve('app', one, 200)).ok).toBe(true);
    });
  });
}
