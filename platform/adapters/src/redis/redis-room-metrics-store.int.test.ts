import type { RoomSample } from '@relaybox/core';
import {
  describeRoomMetricsStoreConformance,
  expectStoreUnavailable,
  TcpProxy,
} from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisRoomMetricsStore, roomMetricsKey } from './redis-room-metrics-store.js';
import { deleteKeys, keysOf, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

const sample = (room: string, figures: Partial<RoomSample> = {}): RoomSample => ({
  appId: 'app-1',
  room,
  messagesIn: 0,
  messagesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  subscribers: 0,
  connections: 0,
  ...figures,
});

describeRoomMetricsStoreConformance('RedisRoomMetricsStore', () => {
  const prefix = uniquePrefix();
  // Small batches and pruning on every other flush, so the tests cross both.
  return {
    createStore: (clock, ttlMs) =>
      new RedisRoomMetricsStore({ url: REDIS_URL, prefix, clock, ttlMs, batchSize: 97, pruneEvery: 2 }),
    dispose: () => deleteKeys(prefix),
  };
});

describe('RedisRoomMetricsStore against Redis', () => {
  let prefix: string;
  let admin: Redis;
  let cleanup: (() => Promise<void>)[];
  let now: number;

  beforeEach(() => {
    prefix = uniquePrefix();
    admin = new Redis(REDIS_URL);
    cleanup = [];
    now = 1_700_000_000_000;
  });

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    await deleteKeys(prefix);
    admin.disconnect();
  });

  const store = (options: ConstructorParameters<typeof RedisRoomMetricsStore>[0] = {}) => {
    const created = new RedisRoomMetricsStore({ url: REDIS_URL, prefix, clock: () => now, ...options });
    cleanup.push(() => created.close());
    return created;
  };

  it('keeps one hash per room with one field per gateway, expiring ttlMs after the last write', async () => {
    const s = store({ ttlMs: 3000 });
    await s.flush('gw-a', [sample('chat:lobby', { messagesIn: 3, bytesIn: 30, subscribers: 2 })], 2000);
    const key = roomMetricsKey(prefix, 'app-1', 'chat:lobby');
    expect(key).toBe(`${prefix}{app-1:chat:lobby}:metrics`);
    expect(await keysOf(admin, prefix)).toEqual([key]);
    expect(await admin.hgetall(key)).toEqual({ 'gw-a': `${now}|1.5|0|15|0|2|0` });
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3000);

    await s.flush('gw-a', [sample('chat:lobby')], 1000);
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it("prunes other gateways' stale fields on every pruneEvery-th flush", async () => {
    const s = store({ ttlMs: 3000, pruneEvery: 3 });
    const key = roomMetricsKey(prefix, 'app-1', 'chat');
    await s.flush('gw-dead', [sample('chat', { subscribers: 1 })], 1000);
    now += 3000;
    await s.flush('gw-live', [sample('chat', { subscribers: 1 })], 1000);
    expect(Object.keys(await admin.hgetall(key)).sort()).toEqual(['gw-dead', 'gw-live']);
    await s.flush('gw-live', [sample('chat', { subscribers: 1 })], 1000);
    expect(Object.keys(await admin.hgetall(key))).toEqual(['gw-live']);
  });

  it('skips a damaged field instead of failing the read', async () => {
    const s = store();
    await s.flush('gw-a', [sample('chat', { subscribers: 2 })], 1000);
    await admin.hset(roomMetricsKey(prefix, 'app-1', 'chat'), 'gw-b', 'garbage');
    expect((await s.read('app-1', 'chat')).subscribers).toBe(2);
  });

  it('maps a command Redis refuses to internal_error', async () => {
    const s = store();
    await admin.set(roomMetricsKey(prefix, 'app-1', 'broken'), 'not a hash');
    const flushed = await s.flush('gw-a', [sample('broken', { subscribers: 1 })], 1000).catch((e) => e);
    expect(flushed).toMatchObject({ name: 'RelayBoxError', code: 'internal_error' });
    const read = await s.read('app-1', 'broken').catch((e: unknown) => e);
    expect(read).toMatchObject({ name: 'RelayBoxError', code: 'internal_error' });
  });

  it('rejects with store_unavailable within its bound when Redis cannot be reached', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanup.push(() => proxy.close());
    proxy.cut();
    const s = store({ url: `redis://127.0.0.1:${proxy.port}` });
    const before = Date.now();
    await expectStoreUnavailable(s.flush('gw-a', [sample('down', { subscribers: 1 })], 1000));
    await expectStoreUnavailable(s.read('app-1', 'down'));
    expect(Date.now() - before).toBeLessThan(10_000);
  });

  it('shares a client with other stores and leaves it open on close()', async () => {
    const client = new Redis(REDIS_URL);
    cleanup.push(async () => client.disconnect());
    const a = store({ client });
    const b = store({ client });
    await a.flush('gw-a', [sample('shared', { subscribers: 1 })], 1000);
    await a.close();
    await expectStoreUnavailable(a.read('app-1', 'shared'));
    expect((await b.read('app-1', 'shared')).subscribers).toBe(1);
    expect(await client.ping()).toBe('PONG');
  });
});
