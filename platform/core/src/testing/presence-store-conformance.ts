import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PresenceChange, PresenceMember, PresenceRemoval, PresenceStore } from '../presence-store.js';
import { expectStoreUnavailable } from './expect-store-unavailable.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface PresenceStoreConformanceContext {
  /** A new store (another gateway) sharing presence with every store of this context; `clock` stamps its changes. */
  createStore(clock: () => number): PresenceStore;
  /** Removes what the context created (keys, shared state). Runs after every store was closed. */
  dispose(): Promise<void>;
}

export type PresenceStoreConformanceFactory = () =>
  | PresenceStoreConformanceContext
  | Promise<PresenceStoreConformanceContext>;

const APP = 'app-1';
const OTHER_APP = 'app-2';
const TEST_TIMEOUT_MS = 30_000;

const entry = (connectionId: string, data: unknown, clientId = `client-of-${connectionId}`) => ({
  clientId,
  connectionId,
  data,
});

const byConnection = (a: PresenceMember, b: PresenceMember): number =>
  a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0;

const removalKeys = (removals: PresenceRemoval[]): string[] =>
  removals.map((r) => `${r.appId}/${r.room}/${r.member.connectionId}`).sort();

/** Runs `calls` in slices of `size` concurrent calls (keeps thousands of calls from flooding one client). */
async function inSlices<T>(count: number, size: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += size) {
    const slice: Promise<T>[] = [];
    for (let i = start; i < Math.min(count, start + size); i++) slice.push(call(i));
    out.push(...(await Promise.all(slice)));
  }
  return out;
}

/** Runs the `PresenceStore` port's guarantees (platform/core/src/presence-store.ts) against one implementation. */
export function describePresenceStoreConformance(
  name: string,
  factory: PresenceStoreConformanceFactory,
): void {
  describe(`PresenceStore conformance: ${name}`, () => {
    let ctx: PresenceStoreConformanceContext;
    let stores: PresenceStore[];
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

    const created = (): PresenceStore => {
      const store = ctx.createStore(() => now);
      stores.push(store);
      return store;
    };

    it(
      "keeps a member's server-vouched user with it through enter, update, reads and removals",
      async () => {
        const store = created();
        const user = { id: 'usr_1', name: 'Ada', avatar: null };
        const withUser = { ...entry('c1', { x: 1 }, 'usr_1'), user };
        expect((await store.enter(APP, 'chat', withUser, 'gw-a'))?.member.user).toEqual(user);
        const renamed = { id: 'usr_1', name: 'Ada L.', avatar: 'https://a.example/a.png' };
        expect(
          (await store.update(APP, 'chat', { ...withUser, user: renamed }, 'gw-a'))?.member.user,
        ).toEqual(renamed);
        await store.enter(APP, 'chat', entry('c2', null, 'bob'), 'gw-a');
        const members = (await created().members(APP, 'chat')).sort(byConnection);
        expect(members.map((m) => m.user)).toEqual([renamed, undefined]);
        expect(members[1]).not.toHaveProperty('user');
        const removed = await store.removeConnection(APP, 'c1', {});
        expect(removed.map((r) => r.member.user)).toEqual([renamed]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'reports enter, update and leave only when they change something',
      async () => {
        const store = created();
        const t0 = now;
        expect(await store.update(APP, 'chat', entry('c1', { away: true }), 'gw-a')).toBeNull();
        expect(await store.leave(APP, 'chat', 'c1')).toBeNull();
        expect(await store.count(APP, 'chat')).toBe(0);

        const member = {
          clientId: 'alice',
          connectionId: 'c1',
          data: { mood: 'ok' },
          enteredAt: t0,
          updatedAt: t0,
        };
        expect(await store.enter(APP, 'chat', entry('c1', { mood: 'ok' }, 'alice'), 'gw-a')).toEqual({
          action: 'enter',
          member,
        });
        now += 10;
        const reentered = await store.enter(APP, 'chat', entry('c1', { mood: 'great' }, 'alice'), 'gw-a');
        expect(reentered).toEqual({
          action: 'update',
          member: { ...member, data: { mood: 'great' }, updatedAt: t0 + 10 },
        });
        now += 10;
        const updated = await store.update(APP, 'chat', entry('c1', ['a', 1, null], 'alice'), 'gw-a');
        expect(updated).toEqual({
          action: 'update',
          member: { ...member, data: ['a', 1, null], updatedAt: t0 + 20 },
        });
        expect(await store.members(APP, 'chat')).toEqual([updated?.member]);
        expect(await store.count(APP, 'chat')).toBe(1);

        now += 10;
        const left = await store.leave(APP, 'chat', 'c1');
        expect(left).toEqual({ action: 'leave', member: updated?.member });
        expect(await store.leave(APP, 'chat', 'c1')).toBeNull();
        expect(await store.update(APP, 'chat', entry('c1', 'x', 'alice'), 'gw-a')).toBeNull();
        expect(await store.members(APP, 'chat')).toEqual([]);
        expect(await store.count(APP, 'chat')).toBe(0);

        const again = await store.enter(APP, 'chat', entry('c1', undefined, 'alice'), 'gw-a');
        expect(again).toEqual({
          action: 'enter',
          member: { ...member, data: null, enteredAt: t0 + 30, updatedAt: t0 + 30 },
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps member data exactly as JSON round-trips it',
      async () => {
        const store = created();
        const values: unknown[] = [
          {},
          [],
          '',
          0,
          -1.5,
          2 ** 53 - 1,
          1e-7,
          true,
          null,
          'héllo wörld ✓ 🚀 | "quoted" \\ back',
          { nested: { list: [{}, [], [1, 'two', { three: 3 }]], empty: '' }, pipe: '1|2|3' },
        ];
        await Promise.all(values.map((data, i) => store.enter(APP, 'data', entry(`c${i}`, data), 'gw-a')));
        const members = (await created().members(APP, 'data')).sort(
          (a, b) => Number(a.connectionId.slice(1)) - Number(b.connectionId.slice(1)),
        );
        expect(members.map((m) => m.data)).toEqual(values);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'returns all of 5000 members with their data, from any store',
      async () => {
        const [a, b] = [created(), created()];
        const total = 5000;
        await inSlices(total, 500, (i) =>
          (i % 2 ? a : b).enter(
            APP,
            'crowd',
            entry(`conn-${i}`, { i, name: `member ${i}` }),
            i % 2 ? 'gw-a' : 'gw-b',
          ),
        );
        await b.enter(APP, 'other-room', entry('conn-0', 'elsewhere'), 'gw-b');

        for (const reader of [a, b]) {
          const members = await reader.members(APP, 'crowd');
          expect(members).toHaveLength(total);
          const seen = new Set<number>();
          for (const m of members) {
            const i = (m.data as { i: number }).i;
            expect(m).toEqual({
              clientId: `client-of-conn-${i}`,
              connectionId: `conn-${i}`,
              data: { i, name: `member ${i}` },
              enteredAt: now,
              updatedAt: now,
            });
            seen.add(i);
          }
          expect(seen.size).toBe(total);
        }
        expect(await a.count(APP, 'crowd')).toBe(total);
        expect(await a.members(APP, 'other-room')).toHaveLength(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'resolves concurrent calls in call order, each member seeing its own sequence of events',
      async () => {
        const [a, b] = [created(), created()];
        const results = new Map<string, (PresenceChange | null)[]>();
        const calls: Promise<void>[] = [];
        const record = (conn: string, call: Promise<PresenceChange | null>): void => {
          calls.push(
            call.then((change) => {
              results.get(conn)?.push(change);
            }),
          );
        };
        for (let m = 0; m < 60; m++) {
          const conn = `conn-${m}`;
          const store = m % 2 ? a : b;
          const gw = m % 2 ? 'gw-a' : 'gw-b';
          results.set(conn, []);
          record(conn, store.enter(APP, 'busy', entry(conn, 0), gw));
          record(conn, store.update(APP, 'busy', entry(conn, 1), gw));
          record(conn, store.enter(APP, 'busy', entry(conn, 2), gw));
          record(conn, store.leave(APP, 'busy', conn));
          record(conn, store.update(APP, 'busy', entry(conn, 3), gw));
          record(conn, store.leave(APP, 'busy', conn));
          record(conn, store.enter(APP, 'busy', entry(conn, 4), gw));
          record(conn, store.update(APP, 'busy', entry(conn, 5), gw));
        }
        await Promise.all(calls);

        for (const [conn, changes] of results) {
          const seen = changes.map((c) => (c === null ? null : `${c.action}:${String(c.member.data)}`));
          expect(seen, conn).toEqual([
            'enter:0',
            'update:1',
            'update:2',
            'leave:2',
            null,
            null,
            'enter:4',
            'update:5',
          ]);
        }
        const members = await a.members(APP, 'busy');
        expect(members).toHaveLength(60);
        expect(members.every((m) => m.data === 5)).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'removes a connection from every room it is in, and nothing else',
      async () => {
        const store = created();
        const rooms = Array.from({ length: 300 }, (_, i) => `room-${i}`);
        await inSlices(rooms.length, 100, (i) =>
          store.enter(APP, rooms[i]!, entry('leaver', { r: i }), 'gw-a'),
        );
        await inSlices(50, 50, (i) => store.enter(APP, rooms[i]!, entry('stayer', 's'), 'gw-a'));
        await store.enter(OTHER_APP, 'room-0', entry('leaver', 'other app'), 'gw-a');

        const removed = await created().removeConnection(APP, 'leaver');
        expect(removalKeys(removed)).toEqual(rooms.map((room) => `${APP}/${room}/leaver`).sort());
        for (const r of removed) expect(r.member.data).toEqual({ r: Number(r.room.slice(5)) });

        expect(await store.removeConnection(APP, 'leaver')).toEqual([]);
        expect(await store.leave(APP, 'room-7', 'leaver')).toBeNull();
        expect((await store.members(APP, 'room-0')).map((m) => m.connectionId)).toEqual(['stayer']);
        expect(await store.count(APP, 'room-299')).toBe(0);
        expect((await store.members(OTHER_APP, 'room-0')).map((m) => m.data)).toEqual(['other app']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'moves a connection to another gateway without a presence change',
      async () => {
        const [a, c] = [created(), created()];
        await a.enter(APP, 'r1', entry('mover', 1), 'gw-a');
        await a.enter(APP, 'r2', entry('mover', 2), 'gw-a');
        const before = (await a.members(APP, 'r1')).concat(await a.members(APP, 'r2'));

        now += 1000;
        expect(await c.moveConnection(APP, 'mover', 'gw-c')).toBe(2);
        expect(await c.moveConnection(APP, 'unknown', 'gw-c')).toBe(0);
        expect((await a.members(APP, 'r1')).concat(await a.members(APP, 'r2'))).toEqual(before);

        expect(await a.removeConnection(APP, 'mover', { onlyIfGateway: 'gw-a' })).toEqual([]);
        expect(await a.removeGateway('gw-a')).toEqual([]);
        expect(await a.count(APP, 'r1')).toBe(1);
        expect(await a.gateways()).toEqual(['gw-c']);

        const removed = await c.removeConnection(APP, 'mover', { onlyIfGateway: 'gw-c' });
        expect(removalKeys(removed)).toEqual([`${APP}/r1/mover`, `${APP}/r2/mover`]);
        expect(await c.gateways()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'removes every one of 2600 memberships of a dead gateway and leaves the others',
      async () => {
        const [dead, live] = [created(), created()];
        const rooms = Array.from({ length: 26 }, (_, i) => `room-${i}`);
        const expected: string[] = [];
        await inSlices(100 * rooms.length, 500, (i) => {
          const conn = `dead-${Math.floor(i / rooms.length)}`;
          const room = rooms[i % rooms.length]!;
          const appId = i % 3 ? APP : OTHER_APP;
          expected.push(`${appId}/${room}/${conn}`);
          return dead.enter(appId, room, entry(conn, { i }), 'gw-dead');
        });
        await inSlices(rooms.length, 26, (i) => live.enter(APP, rooms[i]!, entry('alive', 'a'), 'gw-live'));
        await dead.enter(APP, 'room-0', entry('resumed', 'r'), 'gw-dead');
        await live.moveConnection(APP, 'resumed', 'gw-live');
        expect((await live.gateways()).sort()).toEqual(['gw-dead', 'gw-live']);

        const removed = await live.removeGateway('gw-dead');
        expect(removed).toHaveLength(2600);
        expect(removalKeys(removed)).toEqual(expected.sort());

        for (const room of rooms) {
          const left = (await live.members(APP, room)).map((m) => m.connectionId).sort();
          expect(left).toEqual(room === 'room-0' ? ['alive', 'resumed'] : ['alive']);
          expect(await live.count(OTHER_APP, room)).toBe(0);
        }
        expect(await live.removeGateway('gw-dead')).toEqual([]);
        expect(await live.gateways()).toEqual(['gw-live']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'returns each membership to exactly one of concurrent leaves and removals',
      async () => {
        const [a, b] = [created(), created()];
        await inSlices(40, 40, (i) => a.enter(APP, `room-${i}`, entry('racer', i), 'gw-a'));
        const [viaConnection, viaGateway, ...leaves] = await Promise.all([
          a.removeConnection(APP, 'racer'),
          b.removeGateway('gw-a'),
          ...Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).leave(APP, `room-${i}`, 'racer')),
        ]);
        const rooms = [
          ...viaConnection.map((r) => r.room),
          ...viaGateway.map((r) => r.room),
          ...leaves.flatMap((change, i) => (change === null ? [] : [`room-${i}`])),
        ].sort();
        expect(rooms).toEqual(Array.from({ length: 40 }, (_, i) => `room-${i}`).sort());
        expect(await a.gateways()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps apps apart',
      async () => {
        const store = created();
        await store.enter(APP, 'lobby', entry('same-conn', 'one', 'same-client'), 'gw-a');
        await store.enter(OTHER_APP, 'lobby', entry('same-conn', 'two', 'same-client'), 'gw-a');
        expect((await store.members(APP, 'lobby')).map((m) => m.data)).toEqual(['one']);
        expect((await store.members(OTHER_APP, 'lobby')).map((m) => m.data)).toEqual(['two']);

        expect(await store.leave(APP, 'lobby', 'same-conn')).toMatchObject({ action: 'leave' });
        expect(await store.count(OTHER_APP, 'lobby')).toBe(1);
        await store.enter(APP, 'lobby', entry('same-conn', 'three', 'same-client'), 'gw-a');
        expect(removalKeys(await store.removeConnection(OTHER_APP, 'same-conn'))).toEqual([
          `${OTHER_APP}/lobby/same-conn`,
        ]);
        expect((await store.members(APP, 'lobby')).sort(byConnection).map((m) => m.data)).toEqual(['three']);
        expect(await store.update(OTHER_APP, 'lobby', entry('same-conn', 'x'), 'gw-a')).toBeNull();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects after close() with a retryable store_unavailable',
      async () => {
        const store = created();
        await store.enter(APP, 'closing', entry('c1', 1), 'gw-a');
        await store.close();
        await expectStoreUnavailable(store.enter(APP, 'closing', entry('c1', 2), 'gw-a'));
        await expectStoreUnavailable(store.members(APP, 'closing'));
        await expectStoreUnavailable(store.removeGateway('gw-a'));
      },
      TEST_TIMEOUT_MS,
    );
  });
}
