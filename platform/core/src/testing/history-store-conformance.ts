import type { RoomMessage } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_HISTORY_RETENTION,
  type HistoryAppendInput,
  type HistoryStore,
  queryMessages,
} from '../history-store.js';
import { expectStoreUnavailable } from './expect-store-unavailable.js';
import {
  HISTORY_APP as APP,
  expectInvalidRequest,
  HistoryFixture,
  HISTORY_OTHER_APP as OTHER_APP,
  range,
  seqsOf,
  HISTORY_T0 as T0,
} from './history-fixture.js';
import { describeHistoryQueryConformance } from './history-query-conformance.js';
import { sleep } from './wait-for.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface HistoryStoreConformanceContext {
  /** A new store sharing data and cursor secret with every other store of this context (two gateways). */
  createStore(): HistoryStore;
  /** Removes what the context created. Runs after every store was closed. */
  dispose(): Promise<void>;
}

export type HistoryStoreConformanceFactory = () =>
  | HistoryStoreConformanceContext
  | Promise<HistoryStoreConformanceContext>;

const TEST_TIMEOUT_MS = 30_000;

/** Runs the `HistoryStore` port's guarantees (platform/core/src/history-store.ts) against one implementation. */
export function describeHistoryStoreConformance(name: string, factory: HistoryStoreConformanceFactory): void {
  describe(`HistoryStore conformance: ${name}`, () => {
    let ctx: HistoryStoreConformanceContext;
    let closers: { close(): Promise<void> }[];
    let fx: HistoryFixture;

    beforeEach(async () => {
      ctx = await factory();
      closers = [];
      fx = new HistoryFixture();
    });

    afterEach(async () => {
      await Promise.allSettled(closers.map((s) => s.close()));
      await ctx.dispose();
    });

    const created = (): HistoryStore => {
      const store = ctx.createStore();
      closers.push(store);
      return store;
    };
    const test = (title: string, fn: () => Promise<void>): void => {
      it(title, fn, TEST_TIMEOUT_MS);
    };

    describe('append', () => {
      test('numbers a room 1, 2, 3 and returns the frame exactly as subscribers receive it', async () => {
        const store = created();
        const data = { text: 'héllo "world" \\ \u2028', list: [1, 2.5, null, true], nested: { a: {} } };
        const input = fx.input({ room: 'chat:lobby', data, event: 'chat.message', clientId: 'bob' });
        const first = await store.append(input);
        const expected: RoomMessage = {
          id: input.id,
          seq: 1,
          room: 'chat:lobby',
          event: 'chat.message',
          data,
          clientId: 'bob',
          timestamp: input.timestamp,
        };
        expect(first.duplicate).toBe(false);
        expect(first.message).toEqual(expected);
        expect(first.payload).toBe(JSON.stringify({ type: 'message', ...expected }));
        expect(Object.keys(JSON.parse(first.payload))).toEqual([
          'type',
          ...['id', 'seq', 'room', 'event', 'data', 'clientId', 'timestamp'],
        ]);
        const next = await fx.fill(store, 'chat:lobby', 2);
        expect(next.map((r) => r.message.seq)).toEqual([2, 3]);
        const stored = await queryMessages(store, APP, 'chat:lobby', { direction: 'forwards' });
        expect(stored.items).toEqual([expected, next[0]?.message, next[1]?.message]);
        expect(stored.next).toBeUndefined();
      });

      test('query returns each message as its stored frame, byte for byte the payload of its append', async () => {
        const store = created();
        const tricky = [{ s: 'é "q" \\ \u2028 \ud83d\ude00' }, null, [1e21, -0, 0.1], 'text', { type: 'x' }];
        const appended = await fx.fill(store, 'frames', tricky.length, (i) => ({ data: tricky[i] }));
        const page = await store.query(APP, 'frames', { direction: 'forwards', limit: 3 });
        expect(page.frames).toEqual(appended.slice(0, 3).map((r) => r.payload));
        const rest = await store.query(APP, 'frames', { cursor: page.next });
        expect(rest.frames).toEqual(appended.slice(3).map((r) => r.payload));
        expect(rest.next).toBeUndefined();
        const newest = await store.query(APP, 'frames', { limit: 2 });
        expect(newest.frames).toEqual([appended[4]?.payload, appended[3]?.payload]);
        expect((await store.query(APP, 'frames', { event: 'none' })).frames).toEqual([]);
      });

      test('appends from one caller resolve in call order, the first append of a room included', async () => {
        const store = created();
        const settled: number[] = [];
        await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            store.append(fx.input({ room: 'ordered' })).then((r) => {
              expect(r.message.seq).toBe(i + 1);
              settled.push(r.message.seq);
            }),
          ),
        );
        expect(settled).toEqual(range(1, 200));
      });

      test('hands out 1..500 exactly once under 500 concurrent appends from two stores, all stored', async () => {
        const pair = [created(), created()];
        const results = await Promise.all(
          Array.from({ length: 500 }, (_, i) =>
            (pair[i % 2] as HistoryStore).append(fx.input({ room: 'busy' })),
          ),
        );
        const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(range(1, 500));
        const bySeq = new Map(results.map((r) => [r.message.seq, r.message.id]));
        const stored = await queryMessages(pair[1] as HistoryStore, APP, 'busy', {
          direction: 'forwards',
          limit: 1000,
        });
        expect(seqsOf(stored.items)).toEqual(range(1, 500));
        for (const m of stored.items) expect(m.id).toBe(bySeq.get(m.seq));
        for (let i = 1; i < stored.items.length; i++) {
          expect(stored.items[i]?.timestamp).toBeGreaterThanOrEqual(stored.items[i - 1]?.timestamp as number);
        }
        expect(await (pair[0] as HistoryStore).bounds(APP, 'busy')).toEqual({ oldestSeq: 1, latestSeq: 500 });
      });

      test('never lets timestamps decrease with seq', async () => {
        const store = created();
        const late = await store.append(fx.input({ room: 'skew', timestamp: T0 + 5000 }));
        const early = await store.append(fx.input({ room: 'skew', timestamp: T0 + 1000 }));
        const later = await store.append(fx.input({ room: 'skew', timestamp: T0 + 6000 }));
        expect(late.message.timestamp).toBe(T0 + 5000);
        expect(early.message.timestamp).toBe(T0 + 5000);
        expect(JSON.parse(early.payload).timestamp).toBe(T0 + 5000);
        expect(later.message.timestamp).toBe(T0 + 6000);
        const stored = await queryMessages(store, APP, 'skew', { direction: 'forwards' });
        expect(stored.items.map((m) => m.timestamp)).toEqual([T0 + 5000, T0 + 5000, T0 + 6000]);
      });

      test('refuses an invalid append with invalid_request', async () => {
        const store = created();
        await expectInvalidRequest(store.append(fx.input({ room: 'bad', event: '' })), /"event"/);
        await expectInvalidRequest(store.append(fx.input({ room: 'bad', timestamp: -5 })), /"timestamp"/);
        await expectInvalidRequest(
          store.append(fx.input({ room: 'bad', retention: { maxMessages: 0, maxAgeMs: 1 } })),
          /maxMessages/,
        );
        expect(await store.bounds(APP, 'bad')).toEqual({ oldestSeq: 1, latestSeq: 0 });
      });
    });

    describe('idempotent append', () => {
      test('returns the original for a repeated key and appends nothing', async () => {
        const [a, b] = [created(), created()];
        const original = await a.append(fx.input({ room: 'idem', idempotencyKey: 'k-1', data: 'first' }));
        expect(original.duplicate).toBe(false);
        const retry = await b.append(fx.input({ room: 'idem', idempotencyKey: 'k-1', data: 'first' }));
        expect(retry.duplicate).toBe(true);
        expect(retry.message).toEqual(original.message);
        expect(retry.payload).toBe(original.payload);
        const other = await a.append(fx.input({ room: 'idem', idempotencyKey: 'k-2' }));
        expect([other.duplicate, other.message.seq]).toEqual([false, 2]);
        const plain = await a.append(fx.input({ room: 'idem' }));
        expect(plain.message.seq).toBe(3);
        expect(seqsOf((await queryMessages(a, APP, 'idem', { direction: 'forwards' })).items)).toEqual([
          1, 2, 3,
        ]);
        expect((await a.bounds(APP, 'idem')).latestSeq).toBe(3);
      });

      test('appends once when one key races from two stores', async () => {
        const pair = [created(), created()];
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (pair[i % 2] as HistoryStore).append(fx.input({ room: 'race', idempotencyKey: 'same' })),
          ),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(
          new Set(results.map((r) => `${r.message.id}/${r.message.seq}/${r.message.timestamp}`)).size,
        ).toBe(1);
        expect(await (pair[0] as HistoryStore).bounds(APP, 'race')).toEqual({ oldestSeq: 1, latestSeq: 1 });
      });

      test('scopes keys to app and room', async () => {
        const store = created();
        const results = [
          await store.append(fx.input({ room: 'scope-a', idempotencyKey: 'k' })),
          await store.append(fx.input({ room: 'scope-b', idempotencyKey: 'k' })),
          await store.append(fx.input({ room: 'scope-a', appId: OTHER_APP, idempotencyKey: 'k' })),
          await store.append(fx.input({ room: 'scope-a', idempotencyKey: 'k' })),
        ];
        expect(results.map((r) => [r.duplicate, r.message.seq])).toEqual([
          [false, 1],
          [false, 1],
          [false, 1],
          [true, 1],
        ]);
        expect(results[3]?.message.id).toBe(results[0]?.message.id);
      });

      test('forgets a key after its window', async () => {
        const store = created();
        const input = (): HistoryAppendInput =>
          fx.input({ room: 'window', idempotencyKey: 'k', idempotencyWindowMs: 150 });
        const first = await store.append(input());
        expect((await store.append(input())).duplicate).toBe(true);
        await sleep(400);
        const after = await store.append(input());
        expect([after.duplicate, after.message.seq]).toEqual([false, 2]);
        expect(after.message.id).not.toBe(first.message.id);
        expect((await store.append(input())).message.id).toBe(after.message.id);
      });
    });

    describe('retention', () => {
      test('keeps at most maxMessages per room, the newest', async () => {
        const store = created();
        const retention = { maxMessages: 5, maxAgeMs: DEFAULT_HISTORY_RETENTION.maxAgeMs };
        await fx.fill(store, 'capped', 12, () => ({ retention }));
        expect(seqsOf((await queryMessages(store, APP, 'capped', { direction: 'forwards' })).items)).toEqual(
          range(8, 12),
        );
        expect(await store.bounds(APP, 'capped')).toEqual({ oldestSeq: 8, latestSeq: 12 });
        await fx.fill(store, 'uncapped', 12);
        expect((await queryMessages(store, APP, 'uncapped', {})).items).toHaveLength(12);
      });

      test('trimExpired removes messages older than maxAge, per app, in every room, and nothing else', async () => {
        const store = created();
        const short = { maxMessages: 100, maxAgeMs: 5_000 };
        const long = { maxMessages: 100, maxAgeMs: 60_000 };
        const at = (i: number) => ({ timestamp: T0 + i * 1000 });
        await fx.fill(store, 'aging', 10, (i) => ({ ...at(i), retention: short }));
        await fx.fill(store, 'aging-2', 3, (i) => ({ ...at(i), retention: short }));
        await fx.fill(store, 'aging', 10, (i) => ({ ...at(i), retention: long, appId: OTHER_APP }));
        const maxAgeMs = (appId: string): number => (appId === APP ? short.maxAgeMs : long.maxAgeMs);

        expect(await store.trimExpired({ now: T0 + 5_000, maxAgeMs })).toEqual({ rooms: 0, removed: 0 });
        // cutoff T0 + 4000: the messages at T0 + 0..3 s go, T0 + 4 s stays (age == maxAge).
        expect(await store.trimExpired({ now: T0 + 9_000, maxAgeMs })).toEqual({ rooms: 2, removed: 7 });
        expect(seqsOf((await queryMessages(store, APP, 'aging', { direction: 'forwards' })).items)).toEqual(
          range(5, 10),
        );
        expect((await queryMessages(store, APP, 'aging-2', {})).items).toEqual([]);
        expect((await queryMessages(store, OTHER_APP, 'aging', {})).items).toHaveLength(10);
        expect(await created().trimExpired({ now: T0 + 9_000, maxAgeMs })).toEqual({ rooms: 0, removed: 0 });
        expect(await store.trimExpired({ now: T0 + 70_000, maxAgeMs })).toEqual({ rooms: 2, removed: 16 });
        expect(await store.bounds(APP, 'aging')).toEqual({ oldestSeq: 11, latestSeq: 10 });
        expect(await store.bounds(OTHER_APP, 'aging')).toEqual({ oldestSeq: 11, latestSeq: 10 });
      });

      test('a room emptied by trimExpired keeps counting and ages out again', async () => {
        const store = created();
        const retention = { maxMessages: 100, maxAgeMs: 1_000 };
        await fx.fill(store, 'again', 3, (i) => ({ timestamp: T0 + i, retention }));
        expect(await store.trimExpired({ now: T0 + 10_000, maxAgeMs: 1_000 })).toEqual({
          rooms: 1,
          removed: 3,
        });
        const more = await fx.fill(store, 'again', 2, (i) => ({ timestamp: T0 + 20_000 + i, retention }));
        expect(more.map((r) => r.message.seq)).toEqual([4, 5]);
        expect(await store.bounds(APP, 'again')).toEqual({ oldestSeq: 4, latestSeq: 5 });
        expect(await store.trimExpired({ now: T0 + 20_500, maxAgeMs: 1_000 })).toEqual({
          rooms: 0,
          removed: 0,
        });
        expect(await store.trimExpired({ now: T0 + 40_000, maxAgeMs: 1_000 })).toEqual({
          rooms: 1,
          removed: 2,
        });
        expect(await store.bounds(APP, 'again')).toEqual({ oldestSeq: 6, latestSeq: 5 });
      });

      test('bounds() reports what history still covers, before and after trimming', async () => {
        const store = created();
        expect(await store.bounds(APP, 'covered')).toEqual({ oldestSeq: 1, latestSeq: 0 });
        const retention = { maxMessages: 2, maxAgeMs: 1_000 };
        await fx.fill(store, 'covered', 3, (i) => ({ timestamp: T0 + i, retention }));
        expect(await store.bounds(APP, 'covered')).toEqual({ oldestSeq: 2, latestSeq: 3 });
        await store.trimExpired({ now: T0 + 60_000, maxAgeMs: 1_000 });
        expect(await store.bounds(APP, 'covered')).toEqual({ oldestSeq: 4, latestSeq: 3 });
        await store.append(fx.input({ room: 'covered', retention }));
        expect(await store.bounds(APP, 'covered')).toEqual({ oldestSeq: 4, latestSeq: 4 });
      });
    });

    describe('clear', () => {
      test("removes one room's messages and keeps its numbering; other rooms are untouched", async () => {
        const store = created();
        await fx.fill(store, 'cleared', 3);
        await fx.fill(store, 'kept', 2);
        expect(await store.clear(APP, 'cleared')).toEqual({ removed: 3 });
        expect((await queryMessages(store, APP, 'cleared', {})).items).toEqual([]);
        expect(await store.bounds(APP, 'cleared')).toEqual({ oldestSeq: 4, latestSeq: 3 });
        expect((await store.append(fx.input({ room: 'cleared' }))).message.seq).toBe(4);
        expect(await store.bounds(APP, 'kept')).toEqual({ oldestSeq: 1, latestSeq: 2 });
        expect(await store.clear(APP, 'never-written')).toEqual({ removed: 0 });
      });
    });

    describe('lifecycle', () => {
      test('rejects after close() with a retryable store_unavailable', async () => {
        const store = created();
        await fx.fill(store, 'closing', 1);
        await store.close();
        await expectStoreUnavailable(store.append(fx.input({ room: 'closing' })));
        await expectStoreUnavailable(store.query(APP, 'closing', {}));
        await expectStoreUnavailable(store.bounds(APP, 'closing'));
        await expectStoreUnavailable(store.trimExpired({ now: T0, maxAgeMs: 1 }));
        await expectStoreUnavailable(store.clear(APP, 'closing'));
      });
    });

    describeHistoryQueryConformance(() => ({ created, fx }), TEST_TIMEOUT_MS);
  });
}
