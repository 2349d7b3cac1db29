import { describe, expect, it } from 'vitest';
import { type HistoryQuery, type HistoryStore, queryMessages } from '../history-store.js';
import {
  HISTORY_APP as APP,
  allPages,
  expectInvalidRequest,
  type HistoryFixture,
  HISTORY_OTHER_APP as OTHER_APP,
  range,
  seqsOf,
  HISTORY_T0 as T0,
} from './history-fixture.js';

/** The query half of `describeHistoryStoreConformance`; `get` returns the running test's store factory and fixture. */
export function describeHistoryQueryConformance(
  get: () => { created: () => HistoryStore; fx: HistoryFixture },
  timeoutMs: number,
): void {
  const test = (title: string, fn: (store: HistoryStore, fx: HistoryFixture) => Promise<void>): void => {
    it(title, () => fn(get().created(), get().fx), timeoutMs);
  };

  describe('query', () => {
    test('pages by seq in both directions, newest first by default', async (store, fx) => {
      await fx.fill(store, 'seqs', 30);
      const q = (query: HistoryQuery) =>
        queryMessages(store, APP, 'seqs', query).then((p) => seqsOf(p.items));
      expect(await q({})).toEqual(range(30, 1));
      expect(await q({ limit: 10 })).toEqual(range(30, 21));
      expect(await q({ direction: 'forwards', fromSeq: 5, toSeq: 12 })).toEqual(range(5, 12));
      expect(await q({ direction: 'backwards', fromSeq: 5, toSeq: 12, limit: 3 })).toEqual([12, 11, 10]);
      expect(await q({ direction: 'forwards', fromSeq: 28, limit: 10 })).toEqual([28, 29, 30]);
      expect(await q({ fromSeq: 12, toSeq: 5 })).toEqual([]);
      expect(await q({ fromSeq: 31 })).toEqual([]);
      expect(await q({ direction: 'forwards', fromSeq: 0, toSeq: 1 })).toEqual([1]);
      expect((await queryMessages(store, APP, 'no-such-room', {})).items).toEqual([]);
    });

    test('pages by time with inclusive bounds in both directions', async (store, fx) => {
      // Two messages per timestamp: seq s has timestamp T0 + 10 * floor((s - 1) / 2).
      await fx.fill(store, 'times', 60, (i) => ({ timestamp: T0 + 10 * Math.floor(i / 2) }));
      const q = (query: HistoryQuery) =>
        queryMessages(store, APP, 'times', query).then((p) => seqsOf(p.items));
      const window = { start: T0 + 100, end: T0 + 200 };
      expect(await q({ ...window, direction: 'forwards' })).toEqual(range(21, 42));
      expect(await q({ ...window, direction: 'backwards' })).toEqual(range(42, 21));
      expect(await q({ ...window, direction: 'forwards', fromSeq: 25, toSeq: 30 })).toEqual(range(25, 30));
      expect(await q({ start: T0 + 95, end: T0 + 105, direction: 'forwards' })).toEqual([21, 22]);
      expect(await q({ start: T0 + 291 })).toEqual([]);
      expect(await q({ end: T0 - 1 })).toEqual([]);
      expect(await q({ start: T0 + 290, limit: 5 })).toEqual([60, 59]);
      expect(await q({ end: T0 + 5, direction: 'forwards' })).toEqual([1, 2]);
      const pages = await allPages([store], APP, 'times', { ...window, direction: 'forwards', limit: 4 });
      expect(pages.flat().map((m) => m.seq)).toEqual(range(21, 42));
      expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 2]);
    });

    test('refuses limits outside 1..1000 and other bad fields with invalid_request', async (store, fx) => {
      await fx.fill(store, 'limits', 3);
      await expectInvalidRequest(store.query(APP, 'limits', { limit: 0 }), /"limit"/);
      await expectInvalidRequest(store.query(APP, 'limits', { limit: 1001 }), /"limit"/);
      await expectInvalidRequest(store.query(APP, 'limits', { limit: -1 }), /"limit"/);
      await expectInvalidRequest(store.query(APP, 'limits', { fromSeq: 1.5 }), /"fromSeq"/);
      await expectInvalidRequest(store.query(APP, 'limits', { start: -1 }), /"start"/);
      await expectInvalidRequest(store.query(APP, 'limits', { event: '' }), /"event"/);
      await expectInvalidRequest(
        queryMessages(store, APP, 'limits', { direction: 'up' as 'forwards' }),
        /"direction"/,
      );
      expect((await queryMessages(store, APP, 'limits', { limit: 1 })).items).toHaveLength(1);
      expect((await queryMessages(store, APP, 'limits', { limit: 1000 })).items).toHaveLength(3);
    });

    test('filters by event inside the store, still returning full pages for sparse matches', async (store, fx) => {
      // Decoys: a similar event name, another case, and data that looks like the wanted event.
      const eventOf = (i: number): string =>
        i % 37 === 0 ? 'ra"re é' : (['ra"re é2', 'Ra"re é', 'common'][i % 3] as string);
      const decoy = { i: 0, event: 'ra"re é', data: { event: 'ra"re é' } };
      await fx.fill(store, 'sparse', 300, (i) => ({ event: eventOf(i), data: { ...decoy, i } }));
      const wanted = range(0, 299)
        .filter((i) => i % 37 === 0)
        .map((i) => i + 1);
      for (const direction of ['forwards', 'backwards'] as const) {
        const pages = await allPages([store], APP, 'sparse', { direction, event: 'ra"re é', limit: 3 });
        expect(pages.map((p) => p.length)).toEqual([3, 3, 3]);
        const seqs = pages.flat().map((m) => m.seq);
        expect(seqs).toEqual(direction === 'forwards' ? wanted : [...wanted].reverse());
        expect(pages.flat().every((m) => m.event === 'ra"re é')).toBe(true);
      }
      const windowed = await queryMessages(store, APP, 'sparse', {
        event: 'common',
        fromSeq: 100,
        toSeq: 110,
        limit: 1000,
      });
      expect(seqsOf(windowed.items)).toEqual([108, 105, 102]);
      expect((await queryMessages(store, APP, 'sparse', { event: 'nothing' })).items).toEqual([]);
    });

    test('continues cursors to exhaustion without duplicates or gaps, across stores', async (store, fx) => {
      const other = get().created();
      await fx.fill(store, 'pages', 95);
      const forwards = await allPages([store, other], APP, 'pages', { direction: 'forwards', limit: 10 });
      expect(forwards.map((p) => p.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
      expect(forwards.flat().map((m) => m.seq)).toEqual(range(1, 95));
      const backwards = await allPages([other, store], APP, 'pages', { limit: 10 });
      expect(backwards.flat().map((m) => m.seq)).toEqual(range(95, 1));
      await fx.fill(store, 'exact', 20);
      const exact = await allPages([store], APP, 'exact', { direction: 'forwards', limit: 10 });
      expect(exact.map((p) => p.length)).toEqual([10, 10]);
      const smaller = await queryMessages(store, APP, 'exact', { limit: 15 });
      const rest = await queryMessages(store, APP, 'exact', { cursor: smaller.next, limit: 2 });
      expect(seqsOf(rest.items)).toEqual([5, 4]);
    });

    test('a forwards cursor picks up messages appended after it was issued', async (store, fx) => {
      await fx.fill(store, 'live', 5);
      const first = await queryMessages(store, APP, 'live', { direction: 'forwards', limit: 3 });
      expect(seqsOf(first.items)).toEqual([1, 2, 3]);
      await fx.fill(store, 'live', 4);
      const pages = await allPages([store], APP, 'live', { cursor: first.next });
      expect(pages.map(seqsOf)).toEqual([
        [4, 5, 6],
        [7, 8, 9],
      ]);
    });

    test('refuses a cursor of another room or app, and an altered one', async (store, fx) => {
      await fx.fill(store, 'owned', 5);
      await fx.fill(store, 'owned', 5, () => ({ appId: OTHER_APP }));
      const { next } = await queryMessages(store, APP, 'owned', { limit: 2 });
      expect(next).toBeDefined();
      await expectInvalidRequest(store.query(APP, 'owned-2', { cursor: next }), /another app or room/);
      await expectInvalidRequest(store.query(OTHER_APP, 'owned', { cursor: next }), /another app or room/);
      const altered = `${next?.slice(0, -2)}${next?.endsWith('AA') ? 'BB' : 'AA'}`;
      await expectInvalidRequest(store.query(APP, 'owned', { cursor: altered }), /does not verify/);
      await expectInvalidRequest(store.query(APP, 'owned', { cursor: 'garbage' }), /malformed/);
      await expectInvalidRequest(
        queryMessages(store, APP, 'owned', { cursor: next, direction: 'forwards' }),
        /differs/,
      );
      expect(seqsOf((await queryMessages(store, APP, 'owned', { cursor: next })).items)).toEqual([3, 2]);
    });

    test('keeps apps apart', async (store, fx) => {
      await fx.fill(store, 'shared-name', 3, () => ({ data: 'one' }));
      await fx.fill(store, 'shared-name', 2, () => ({ appId: OTHER_APP, data: 'two' }));
      const one = await queryMessages(store, APP, 'shared-name', {});
      const two = await queryMessages(store, OTHER_APP, 'shared-name', {});
      expect([seqsOf(one.items), seqsOf(two.items)]).toEqual([
        [3, 2, 1],
        [2, 1],
      ]);
      expect(new Set(one.items.map((m) => m.data))).toEqual(new Set(['one']));
      expect(new Set(two.items.map((m) => m.data))).toEqual(new Set(['two']));
      expect(await store.bounds(OTHER_APP, 'shared-name')).toEqual({ oldestSeq: 1, latestSeq: 2 });
    });
  });
}
