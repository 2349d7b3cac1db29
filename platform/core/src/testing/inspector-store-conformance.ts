import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InspectorStore, NodeSnapshot } from '../inspector-store.js';
import { expectStoreUnavailable } from './expect-store-unavailable.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface InspectorStoreConformanceContext {
  /** A new store (another gateway) sharing snapshots with this context's stores; fresh for `ttlMs`. */
  createStore(clock: () => number, ttlMs: number): InspectorStore;
  /** Makes `ms` pass for the store's own expiry (Redis key TTLs run on the server's clock). */
  elapse(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export type InspectorStoreConformanceFactory = () =>
  | InspectorStoreConformanceContext
  | Promise<InspectorStoreConformanceContext>;

const TEST_TIMEOUT_MS = 30_000;
const TTL_MS = 400;

const snapshot = (nodeId: string, connections = 1): NodeSnapshot => ({
  nodeId,
  startedAt: 1,
  lastSeen: 2,
  connectionCount: connections,
  connections: Array.from({ length: connections }, (_, i) => ({
    appId: 'app-1',
    clientId: `c${i}`,
    connectionId: `${nodeId}-conn-${i}`,
    gateway: nodeId,
    rooms: ['chat', 'news'],
    connectedAt: 5,
    messagesIn: i,
    messagesOut: 2 * i,
    bytesIn: 10,
    bytesOut: 20,
  })),
  rooms: [{ appId: 'app-1', room: 'chat', subscribers: connections }],
});

/** Runs the `InspectorStore` port's guarantees (platform/core/src/inspector-store.ts) against one implementation. */
export function describeInspectorStoreConformance(
  name: string,
  factory: InspectorStoreConformanceFactory,
): void {
  describe(`InspectorStore conformance: ${name}`, () => {
    let ctx: InspectorStoreConformanceContext;
    let stores: InspectorStore[];
    let now: number;
    const created = () => {
      const store = ctx.createStore(() => now, TTL_MS);
      stores.push(store);
      return store;
    };

    beforeEach(async () => {
      ctx = await factory();
      stores = [];
      now = Date.now();
    });
    afterEach(async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
      await ctx.dispose();
    });

    it('reads every gateway latest snapshot, ordered by nodeId; a write replaces', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const b = created();
      const a = created();
      await b.write(snapshot('gw-b', 2));
      await a.write(snapshot('gw-a', 1));
      await a.write(snapshot('gw-a', 3));
      expect(await b.readAll()).toEqual([snapshot('gw-a', 3), snapshot('gw-b', 2)]);
    });

    it('drops a snapshot that was not rewritten within the ttl, and a removed one at once', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const a = created();
      const b = created();
      await a.write(snapshot('gw-a'));
      await b.write(snapshot('gw-b'));
      await b.remove('gw-b');
      expect((await a.readAll()).map((s) => s.nodeId)).toEqual(['gw-a']);
      now += TTL_MS + 1;
      await ctx.elapse(TTL_MS + 100);
      expect(await a.readAll()).toEqual([]);
      await a.write(snapshot('gw-a'));
      expect((await b.readAll()).map((s) => s.nodeId)).toEqual(['gw-a']);
    });

    it('rejects with store_unavailable after close', { timeout: TEST_TIMEOUT_MS }, async () => {
      const store = created();
      await store.close();
      await expectStoreUnavailable(store.write(snapshot('gw-a')));
      await expectStoreUnavailable(store.readAll());
    });
  });
}
