import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomMetricsStore, RoomSample } from '../room-metrics-store.js';
import { expectStoreUnavailable } from './expect-store-unavailable.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface RoomMetricsStoreConformanceContext {
  /**
   * A new store (another gateway) sharing figures with every store of this context; `clock` stamps
   * its flushes and reads, and figures stay fresh for `ttlMs` after their flush.
   */
  createStore(clock: () => number, ttlMs: number): RoomMetricsStore;
  /** Removes what the context created (keys, shared state). Runs after every store was closed. */
  dispose(): Promise<void>;
}

export type RoomMetricsStoreConformanceFactory = () =>
  | RoomMetricsStoreConformanceContext
  | Promise<RoomMetricsStoreConformanceContext>;

const APP = 'app-1';
const OTHER_APP = 'app-2';
const TTL_MS = 3000;
const TEST_TIMEOUT_MS = 30_000;

const sample = (room: string, figures: Partial<RoomSample> = {}, appId = APP): RoomSample => ({
  appId,
  room,
  messagesIn: 0,
  messagesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  subscribers: 0,
  connections: 0,
  ...figures,
});

const zero = { messagesInPerSecond: 0, messagesOutPerSecond: 0, bytesInPerSecond: 0, bytesOutPerSecond: 0 };

/** Runs the `RoomMetricsStore` port's guarantees (platform/core/src/room-metrics-store.ts) against one implementation. */
export function describeRoomMetricsStoreConformance(
  name: string,
  factory: RoomMetricsStoreConformanceFactory,
): void {
  describe(`RoomMetricsStore conformance: ${name}`, () => {
    let ctx: RoomMetricsStoreConformanceContext;
    let stores: RoomMetricsStore[];
    let now: number;

    beforeEach(async () => {
      ctx = await factory();
      stores = [];
      now = 1_700_000_000_000;
    });

    afterEach(async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
      await ctx.dispose();
    });

    const created = (): RoomMetricsStore => {
      const store = ctx.createStore(() => now, TTL_MS);
      stores.push(store);
      return store;
    };

    it(
      'reads a room nobody reported as all zero, stamped with the read time',
      async () => {
        expect(await created().read(APP, 'nobody:here')).toEqual({
          room: 'nobody:here',
          connections: 0,
          subscribers: 0,
          ...zero,
          timestamp: now,
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'turns counts into per-second rates over the interval and keeps the gauges',
      async () => {
        const store = created();
        const figures = { messagesIn: 10, messagesOut: 30, bytesIn: 1000, bytesOut: 3000 };
        await store.flush('gw-a', [sample('chat', { ...figures, subscribers: 3, connections: 4 })], 1000);
        expect(await store.read(APP, 'chat')).toEqual({
          room: 'chat',
          connections: 4,
          subscribers: 3,
          messagesInPerSecond: 10,
          messagesOutPerSecond: 30,
          bytesInPerSecond: 1000,
          bytesOutPerSecond: 3000,
          timestamp: now,
        });
        // A late flush covering two seconds halves the rates; three seconds rounds to two decimals.
        await store.flush('gw-a', [sample('chat', { ...figures, subscribers: 2 })], 2000);
        expect(await store.read(APP, 'chat')).toMatchObject({
          subscribers: 2,
          connections: 0,
          messagesInPerSecond: 5,
          messagesOutPerSecond: 15,
          bytesInPerSecond: 500,
          bytesOutPerSecond: 1500,
        });
        await store.flush('gw-a', [sample('chat', { messagesIn: 1, subscribers: 1 })], 3000);
        expect((await store.read(APP, 'chat')).messagesInPerSecond).toBe(0.33);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'sums the figures of every gateway, each flush replacing only its own',
      async () => {
        const a = created();
        const b = created();
        await a.flush('gw-a', [sample('chat', { messagesIn: 2, messagesOut: 4, subscribers: 4 })], 1000);
        await b.flush('gw-b', [sample('chat', { messagesIn: 3, messagesOut: 6, subscribers: 6 })], 1000);
        const expected = { subscribers: 10, messagesInPerSecond: 5, messagesOutPerSecond: 10 };
        expect(await a.read(APP, 'chat')).toMatchObject(expected);
        expect(await b.read(APP, 'chat')).toMatchObject(expected);

        now += 1000;
        await a.flush('gw-a', [sample('chat', { messagesIn: 1, subscribers: 1, connections: 2 })], 1000);
        expect(await b.read(APP, 'chat')).toMatchObject({
          subscribers: 7,
          connections: 2,
          messagesInPerSecond: 4,
          messagesOutPerSecond: 6,
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'removes a gateway from a room with an all-zero sample and leaves the others',
      async () => {
        const a = created();
        const b = created();
        await a.flush('gw-a', [sample('chat', { messagesIn: 5, subscribers: 1 })], 1000);
        await b.flush('gw-b', [sample('chat', { subscribers: 2, connections: 2 })], 1000);
        await a.flush('gw-a', [sample('chat')], 1000);
        expect(await a.read(APP, 'chat')).toMatchObject({ subscribers: 2, connections: 2, ...zero });
        await b.flush('gw-b', [sample('chat')], 1000);
        expect(await a.read(APP, 'chat')).toMatchObject({ subscribers: 0, connections: 0, ...zero });
        // Removing figures that do not exist is harmless.
        await b.flush('gw-b', [sample('chat'), sample('never:seen')], 1000);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps figures of rooms a flush does not name, until they go stale ttlMs after their flush',
      async () => {
        const a = created();
        const b = created();
        await a.flush('gw-a', [sample('chat', { messagesIn: 1, subscribers: 1 })], 1000);
        now += 1000;
        await b.flush('gw-b', [sample('chat', { messagesIn: 2, subscribers: 2 })], 1000);
        await a.flush('gw-a', [sample('elsewhere', { subscribers: 9 })], 1000);

        now += TTL_MS - 1001; // gw-a's chat figures are TTL_MS - 1 old: still fresh
        expect(await b.read(APP, 'chat')).toMatchObject({ subscribers: 3, messagesInPerSecond: 3 });
        now += 1; // now exactly TTL_MS old: stale
        expect(await b.read(APP, 'chat')).toMatchObject({ subscribers: 2, messagesInPerSecond: 2 });
        now += 1000; // gw-b's too
        expect(await b.read(APP, 'chat')).toMatchObject({ subscribers: 0, connections: 0, ...zero });

        // A gateway that reports again counts again.
        await a.flush('gw-a', [sample('chat', { subscribers: 4 })], 1000);
        expect(await b.read(APP, 'chat')).toMatchObject({ subscribers: 4 });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps stale figures out of the sums while other gateways go on flushing',
      async () => {
        const live = created();
        const dead = created();
        await dead.flush('gw-dead', [sample('chat', { subscribers: 50, messagesOut: 50 })], 1000);
        // gw-live flushes every second for longer than the ttl (its flushes prune stale fields).
        for (let i = 0; i < 12; i++) {
          await live.flush('gw-live', [sample('chat', { subscribers: 1, messagesOut: 1 })], 1000);
          now += 1000;
        }
        await live.flush('gw-live', [sample('chat', { subscribers: 1, messagesOut: 1 })], 1000);
        expect(await live.read(APP, 'chat')).toMatchObject({ subscribers: 1, messagesOutPerSecond: 1 });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps apps and rooms apart',
      async () => {
        const store = created();
        await store.flush(
          'gw-a',
          [
            sample('chat', { subscribers: 1 }),
            sample('chat', { subscribers: 2 }, OTHER_APP),
            sample('chat:sub', { subscribers: 3 }),
          ],
          1000,
        );
        expect((await store.read(APP, 'chat')).subscribers).toBe(1);
        expect((await store.read(OTHER_APP, 'chat')).subscribers).toBe(2);
        expect((await store.read(APP, 'chat:sub')).subscribers).toBe(3);
        expect((await store.read(OTHER_APP, 'chat:sub')).subscribers).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'writes every room of a large flush',
      async () => {
        const store = created();
        const rooms = Array.from({ length: 2500 }, (_, i) => sample(`room-${i}`, { subscribers: i + 1 }));
        await store.flush('gw-a', rooms, 1000);
        for (const i of [0, 999, 1000, 1001, 2499]) {
          expect((await store.read(APP, `room-${i}`)).subscribers).toBe(i + 1);
        }
        await store.flush(
          'gw-a',
          rooms.map((r) => sample(r.room)),
          1000,
        );
        expect((await store.read(APP, 'room-2499')).subscribers).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects every call with store_unavailable after close()',
      async () => {
        const store = created();
        await store.close();
        await expectStoreUnavailable(store.flush('gw-a', [sample('chat', { subscribers: 1 })], 1000));
        await expectStoreUnavailable(store.read(APP, 'chat'));
      },
      TEST_TIMEOUT_MS,
    );
  });
}
