import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionQuota } from '../connection-quota.js';

/** What one conformance test needs: quotas (one per gateway) sharing one cluster-wide count. */
export interface ConnectionQuotaConformanceContext {
  createQuota(): ConnectionQuota;
  /** Removes what the context created. Runs after every quota was closed. */
  dispose(): Promise<void>;
}

/** Runs the `ConnectionQuota` port's guarantees (platform/core/src/connection-quota.ts) against one implementation. */
export function describeConnectionQuotaConformance(
  name: string,
  factory: () => ConnectionQuotaConformanceContext | Promise<ConnectionQuotaConformanceContext>,
): void {
  describe(`ConnectionQuota conformance: ${name}`, () => {
    let ctx: ConnectionQuotaConformanceContext;
    let quotas: ConnectionQuota[];
    const quota = () => {
      const q = ctx.createQuota();
      quotas.push(q);
      return q;
    };
    beforeEach(async () => {
      ctx = await factory();
      quotas = [];
    });
    afterEach(async () => {
      await Promise.all(quotas.map((q) => q.close()));
      await ctx.dispose();
    });

    it('concurrent reservations from two gateways never exceed max', async () => {
      const [a, b] = [quota(), quota()];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserve('app', i % 2 ? 'gw-a' : 'gw-b', 5)),
      );
      expect(results.filter(Boolean)).toHaveLength(5);
      expect(await a.count('app')).toBe(5);
      expect(await b.reserve('other', 'gw-b', 1)).toBe(true);
    });

    it('release gives one back, never below zero', async () => {
      const q = quota();
      expect(await q.reserve('app', 'gw', 1)).toBe(true);
      expect(await q.reserve('app', 'gw', 1)).toBe(false);
      await q.release('app', 'gw');
      await q.release('app', 'gw');
      expect(await q.count('app')).toBe(0);
      expect(await q.reserve('app', 'gw', 1)).toBe(true);
      expect(await q.reserve('app', 'gw', 1)).toBe(false);
    });

    it('releaseGateway drops a gateway’s reservations in every app; a late release changes nothing', async () => {
      const [a, b] = [quota(), quota()];
      for (let i = 0; i < 3; i++) expect(await a.reserve('app', 'gw-dead', 10)).toBe(true);
      expect(await a.reserve('app2', 'gw-dead', 10)).toBe(true);
      expect(await b.reserve('app', 'gw-live', 10)).toBe(true);
      expect((await b.gateways()).sort()).toEqual(['gw-dead', 'gw-live']);
      expect(await b.releaseGateway('gw-dead')).toBe(4);
      expect(await b.count('app')).toBe(1);
      expect(await b.count('app2')).toBe(0);
      await a.release('app', 'gw-dead');
      expect(await b.count('app')).toBe(1);
      expect(await b.gateways()).toEqual(['gw-live']);
    });
  });
}
