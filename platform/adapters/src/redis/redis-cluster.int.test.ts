import { DEFAULT_HISTORY_RETENTION, HistoryCursor, MessageIdGenerator } from '@relaybox/core';
import {
  describeHistoryStoreConformance,
  describeInspectorStoreConformance,
  describePresenceStoreConformance,
  describeRoomMetricsStoreConformance,
  describeSessionStoreConformance,
  describeTraceLogConformance,
  sleep,
} from '@relaybox/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterProcess, startRedisCluster } from './redis-cluster-process.js';
import { redisClusterUrl } from './redis-connection.js';
import { RedisHistoryStore } from './redis-history-store.js';
import { RedisInspectorStore } from './redis-inspector-store.js';
import { RedisPresenceStore } from './redis-presence-store.js';
import { RedisRoomMetricsStore } from './redis-room-metrics-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import { uniquePrefix } from './redis-test-keys.js';
import { RedisTraceLog } from './redis-trace-log.js';

// The conformance suites of the Redis stores against a real 3-primary Redis Cluster started for
// this file (and killed after it): a script that touched two slots would fail here with CROSSSLOT.

let cluster: RedisClusterProcess;
let url: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3 });
  url = redisClusterUrl(cluster.seeds);
}, 40_000);

afterAll(async () => {
  await cluster?.stop();
});

// Keys live in a cluster this file owns and deletes: nothing to clean per test.
const dispose = async (): Promise<void> => {};

describeHistoryStoreConformance('RedisHistoryStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  const cursors = HistoryCursor.random();
  return { createStore: () => new RedisHistoryStore({ url, prefix, cursors }), dispose };
});

describeInspectorStoreConformance('RedisInspectorStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock, ttlMs) => new RedisInspectorStore({ url, prefix, clock, ttlMs }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    dispose,
  };
});

describeRoomMetricsStoreConformance('RedisRoomMetricsStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock, ttlMs) =>
      new RedisRoomMetricsStore({ url, prefix, clock, ttlMs, batchSize: 97, pruneEvery: 2 }),
    dispose,
  };
});

describeTraceLogConformance('RedisTraceLog on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return { createLog: (capacity) => new RedisTraceLog({ url, prefix, capacity, blockMs: 200 }), dispose };
});

describeSessionStoreConformance('RedisSessionStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: () => new RedisSessionStore({ url, prefix, batchSize: 97 }),
    elapse: (ms) => sleep(ms),
    dispose,
  };
});

describePresenceStoreConformance('RedisPresenceStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock) => new RedisPresenceStore({ url, prefix, clock, batchSize: 97, scanCount: 250 }),
    dispose,
  };
});

describe('the keys of one room on a Redis Cluster', () => {
  /** Every key under the prefix on every primary (SCAN through redis-cli), with its CLUSTER KEYSLOT. */
  const slotsOf = async (prefix: string): Promise<Map<string, number>> => {
    const slots = new Map<string, number>();
    for (const node of cluster.nodes) {
      const keys = (await cluster.cli(node, '--scan', '--pattern', `${prefix}*`)).split('\n').filter(Boolean);
      for (const key of keys) slots.set(key, Number(await cluster.cli(node, 'CLUSTER', 'KEYSLOT', key)));
    }
    return slots;
  };

  it("puts every key a room's operations create in the room's slot, and the rest in the documented global slots", async () => {
    const prefix = uniquePrefix();
    const app = 'app-slots';
    // A room name with braces: its keys still share one tag (the text up to the first `}`).
    const rooms = ['lobby', 'odd}room{x'];
    const history = new RedisHistoryStore({ url, prefix, cursors: HistoryCursor.random() });
    const presence = new RedisPresenceStore({ url, prefix });
    const sessions = new RedisSessionStore({ url, prefix });
    const metrics = new RedisRoomMetricsStore({ url, prefix });
    const ids = new MessageIdGenerator();
    try {
      for (const room of rooms) {
        for (const idempotencyKey of ['k-1', undefined]) {
          await history.append({
            appId: app,
            room,
            id: ids.next(),
            event: 'msg',
            data: { room },
            clientId: 'alice',
            timestamp: Date.now(),
            retention: DEFAULT_HISTORY_RETENTION,
            idempotencyWindowMs: 60_000,
            ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          });
        }
        await presence.enter(app, room, { clientId: 'alice', connectionId: 'c1', data: 1 }, 'gw-a');
        await presence.enter(app, room, { clientId: 'bob', connectionId: 'c2', data: 2 }, 'gw-b');
        await presence.update(app, room, { clientId: 'bob', connectionId: 'c2', data: 3 }, 'gw-b');
      }
      await presence.leave(app, rooms[0]!, 'c2');
      await sessions.create(
        {
          connectionId: 'c1',
          appId: app,
          clientId: 'alice',
          gatewayId: 'gw-a',
          rooms: Object.fromEntries(rooms.map((room) => [room, { subscribed: true }])),
          createdAt: Date.now(),
        },
        'secret',
      );
      await sessions.heartbeat('gw-a', 10_000);
      const sample = {
        messagesIn: 2,
        messagesOut: 4,
        bytesIn: 20,
        bytesOut: 40,
        subscribers: 2,
        connections: 2,
      };
      await metrics.flush(
        'gw-a',
        rooms.map((room) => ({ appId: app, room, ...sample })),
        1000,
      );

      const slots = await slotsOf(prefix);
      for (const room of rooms) {
        const tag = `{${app}:${room}}`;
        const roomSlot = Number(await cluster.cli(cluster.nodes[0]!, 'CLUSTER', 'KEYSLOT', tag));
        const roomKeys = [...slots.keys()].filter((key) => key.startsWith(`${prefix}${tag}:`));
        const suffixes = roomKeys.map((key) =>
          key.slice(`${prefix}${tag}:`.length).replace(/^idem:.*/, 'idem:'),
        );
        expect(suffixes.sort(), room).toEqual([
          'history',
          'history-indexed',
          'idem:',
          'metrics',
          'presence',
          'seq',
        ]);
        for (const key of roomKeys) expect(slots.get(key), key).toBe(roomSlot);
      }
      // Every other key is a cross-room index in a slot of its own or a session (one slot per
      // connection), and names no room: a session keeps its rooms as fields, in no per-room key.
      const others = [...slots.keys()].filter(
        (key) => !rooms.some((room) => key.startsWith(`${prefix}{${app}:${room}}:`)),
      );
      const tags = others.map((key) => /^\{([^}]*)\}/.exec(key.slice(prefix.length))?.[1]);
      expect(new Set(tags)).toEqual(
        new Set(['presence-index', 'session-index', 'history-index', 'session:c:c1']),
      );
      for (const key of others) for (const room of rooms) expect(key.includes(room), key).toBe(false);
    } finally {
      await Promise.all([history.close(), presence.close(), sessions.close(), metrics.close()]);
    }
  }, 60_000);
});

describe('batched history appends on a Redis Cluster', () => {
  it('appends bursts of many rooms (slots on every primary) in one turn, gap-free and in call order per room', async () => {
    const prefix = uniquePrefix();
    const gateways = [0, 1].map(
      () => new RedisHistoryStore({ url, prefix, cursors: HistoryCursor.random() }),
    );
    const ids = new MessageIdGenerator();
    const rooms = Array.from({ length: 12 }, (_, i) => `room-${i}`);
    const append = (store: RedisHistoryStore, room: string, n: number, idempotencyKey?: string) =>
      store.append({
        appId: 'app-batch',
        room,
        id: ids.next(),
        event: 'msg',
        data: { n },
        clientId: 'alice',
        timestamp: Date.now(),
        retention: DEFAULT_HISTORY_RETENTION,
        idempotencyWindowMs: 60_000,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
    try {
      const perRoom = 10;
      // Both gateways publish to every room in the same turns: 5 messages of each room per turn each.
      const acks = await Promise.all(
        gateways.map(async (store, g) => {
          const seqs = new Map<string, number[]>(rooms.map((room) => [room, []]));
          for (let turn = 0; turn < perRoom / 5; turn++) {
            const burst = rooms.flatMap((room) =>
              [0, 1, 2, 3, 4].map((i) => append(store, room, turn * 5 + i, `g${g}-${room}-${turn * 5 + i}`)),
            );
            const results = await Promise.all(burst);
            for (const result of results) seqs.get(result.message.room)?.push(result.message.seq);
          }
          return seqs;
        }),
      );
      for (const room of rooms) {
        const mine = acks.map((seqs) => seqs.get(room) as number[]);
        for (const seqs of mine) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(mine.flat().sort((a, b) => a - b)).toEqual(
          Array.from({ length: 2 * perRoom }, (_, i) => i + 1),
        );
      }
      // Retries of a whole burst are answered from the idempotency records, nothing appended again.
      const retried = await Promise.all(rooms.map((room) => append(gateways[0]!, room, 0, `g0-${room}-0`)));
      expect(retried.every((result) => result.duplicate)).toBe(true);
      for (const room of rooms) {
        expect((await gateways[1]!.bounds('app-batch', room)).latestSeq).toBe(2 * perRoom);
      }
    } finally {
      await Promise.all(gateways.map((store) => store.close()));
    }
  }, 60_000);
});
