import { createHash } from 'node:crypto';
import { DEFAULT_HISTORY_RETENTION, HistoryCursor, queryMessages } from '@relaybox/core';
import {
  allPages,
  describeHistoryStoreConformance,
  expectStoreUnavailable,
  HISTORY_T0,
  range,
  seqsOf,
} from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useRedisHistoryStores } from './redis-history-harness.js';
import { RedisHistoryStore } from './redis-history-store.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

const T0 = HISTORY_T0;

describeHistoryStoreConformance('RedisHistoryStore', () => {
  const prefix = uniquePrefix();
  const cursors = HistoryCursor.random();
  return {
    createStore: () => new RedisHistoryStore({ url: REDIS_URL, prefix, cursors }),
    dispose: () => deleteKeys(prefix),
  };
});

describe('RedisHistoryStore against Redis', () => {
  const h = useRedisHistoryStores();
  const { store, proxied } = h;

  it('lays a room out as seq, history, marker and idempotency keys, and indexes it by expiry', async () => {
    const s = store();
    const first = await s.append(
      h.fx.input({ room: 'chat:lobby', idempotencyKey: 'key 1', idempotencyWindowMs: 60_000 }),
    );
    const base = `${h.prefix}{app-1:chat:lobby}`;
    const digest = createHash('sha256').update('key 1').digest('base64url');
    expect((await h.admin.keys(`${h.prefix}*`)).sort()).toEqual(
      [
        `${base}:seq`,
        `${base}:history`,
        `${base}:history-indexed`,
        `${base}:idem:${digest}`,
        `${h.prefix}{history-index}:rooms`,
        `${h.prefix}{history-index}:seqs`,
      ].sort(),
    );
    expect(await h.admin.zrange(`${base}:history`, 0, -1, 'WITHSCORES')).toEqual([first.payload, '1']);
    expect(await h.admin.get(`${base}:idem:${digest}`)).toBe(
      `${first.message.id} 1 ${first.message.timestamp}`,
    );
    const ttl = await h.admin.pttl(`${base}:idem:${digest}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const expiry = first.message.timestamp + DEFAULT_HISTORY_RETENTION.maxAgeMs;
    expect(await h.admin.zrange(`${h.prefix}{history-index}:rooms`, 0, -1, 'WITHSCORES')).toEqual([
      'app-1:chat:lobby',
      String(expiry),
    ]);
    expect(await h.admin.hget(`${h.prefix}{history-index}:seqs`, 'app-1:chat:lobby')).toBe('1');
  });

  it('returns the original id, seq and timestamp of a key whose message retention removed', async () => {
    const s = store();
    const retention = { maxMessages: 2, maxAgeMs: 60_000 };
    const original = await s.append(h.fx.input({ room: 'gone', idempotencyKey: 'k', retention, data: 'x' }));
    await h.fx.fill(s, 'gone', 3, () => ({ retention }));
    expect((await s.bounds('app-1', 'gone')).oldestSeq).toBe(3);
    const retry = await s.append(h.fx.input({ room: 'gone', idempotencyKey: 'k', retention, data: 'x' }));
    expect(retry.duplicate).toBe(true);
    expect(retry.message).toEqual(original.message);
    expect(retry.payload).toBe(original.payload);
    expect((await s.bounds('app-1', 'gone')).latestSeq).toBe(4);
  });

  it('removes at most trimBatch of the excess per append after maxMessages was lowered', async () => {
    const s = store({ trimBatch: 4 });
    await h.fx.fill(s, 'lowered', 20);
    const retention = { maxMessages: 5, maxAgeMs: DEFAULT_HISTORY_RETENTION.maxAgeMs };
    await s.append(h.fx.input({ room: 'lowered', retention }));
    expect(await h.admin.zcard(`${h.prefix}{app-1:lowered}:history`)).toBe(17);
    await h.fx.fill(s, 'lowered', 4, () => ({ retention }));
    expect(seqsOf((await queryMessages(s, 'app-1', 'lowered', { direction: 'forwards' })).items)).toEqual(
      range(21, 25),
    );
  });

  it('filters in bounded script steps and still fills every page', async () => {
    const s = store({ scanBatch: 7 });
    await h.fx.fill(s, 'steps', 200, (i) => ({ event: i % 23 === 0 ? 'hit' : 'miss' }));
    const pages = await allPages([s], 'app-1', 'steps', { event: 'hit', direction: 'forwards', limit: 4 });
    expect(pages.map((p) => p.length)).toEqual([4, 4, 1]);
    expect(pages.flat().map((m) => m.seq)).toEqual(
      range(0, 199)
        .filter((i) => i % 23 === 0)
        .map((i) => i + 1),
    );
  });

  it('returns a short page with a cursor when a query reaches scanLimit, then continues without loss', async () => {
    const s = store({ scanBatch: 10, scanLimit: 50 });
    await h.fx.fill(s, 'needle', 200, (i) => ({
      event: i === 120 || i === 121 || i === 190 ? 'hit' : 'miss',
    }));
    const first = await queryMessages(s, 'app-1', 'needle', {
      event: 'hit',
      direction: 'forwards',
      limit: 2,
    });
    expect(first.items).toEqual([]);
    expect(first.next).toBeDefined();
    const pages = await allPages([s], 'app-1', 'needle', { cursor: first.next });
    expect(pages.flat().map((m) => m.seq)).toEqual([121, 122, 191]);
  });

  it('trims in bounded steps across many rooms and empties the index', async () => {
    const s = store({ trimBatch: 7, roomBatch: 3 });
    const retention = { maxMessages: 100, maxAgeMs: 1_000 };
    for (let r = 0; r < 10; r++) {
      await h.fx.fill(s, `room-${r}`, 20, (i) => ({ timestamp: T0 + i, retention }));
    }
    expect(await h.admin.zcard(`${h.prefix}{history-index}:rooms`)).toBe(10);
    expect(await s.trimExpired({ now: T0 + 60_000, maxAgeMs: 1_000 })).toEqual({ rooms: 10, removed: 200 });
    expect(await h.admin.exists(`${h.prefix}{history-index}:rooms`, `${h.prefix}{history-index}:seqs`)).toBe(
      0,
    );
    expect(await h.admin.keys(`${h.prefix}*history`)).toEqual([]);
    expect(await s.bounds('app-1', 'room-3')).toEqual({ oldestSeq: 21, latestSeq: 20 });
  });

  it('keeps an emptied room indexed when an append recorded itself after the trim', async () => {
    const s = store();
    const retention = { maxMessages: 100, maxAgeMs: 1_000 };
    await h.fx.fill(s, 'raced', 2, (i) => ({ timestamp: T0 + i, retention }));
    // The state a racing append leaves: history emptied by a trim, the index told of seq 3.
    await h.admin.del(`${h.prefix}{app-1:raced}:history`);
    await h.admin.hset(`${h.prefix}{history-index}:seqs`, 'app-1:raced', '3');
    expect(await s.trimExpired({ now: T0 + 60_000, maxAgeMs: 1_000 })).toEqual({ rooms: 0, removed: 0 });
    expect(await h.admin.zscore(`${h.prefix}{history-index}:rooms`, 'app-1:raced')).toBe(String(T0 + 60_000));
    // Once the counter has caught up, the next run drops it.
    await h.admin.set(`${h.prefix}{app-1:raced}:seq`, '3');
    await s.trimExpired({ now: T0 + 70_000, maxAgeMs: 1_000 });
    expect(await h.admin.zscore(`${h.prefix}{history-index}:rooms`, 'app-1:raced')).toBeNull();
  });

  it('re-records a room whose index entry was lost, on the next append after the interval', async () => {
    const s = store({ reindexIntervalMs: 1000 });
    const retention = { maxMessages: 100, maxAgeMs: 1_000 };
    await h.fx.fill(s, 'healed', 2, (i) => ({ timestamp: T0 + i, retention }));
    await h.admin.del(`${h.prefix}{history-index}:rooms`, `${h.prefix}{history-index}:seqs`);
    await h.fx.fill(s, 'healed', 1, () => ({ timestamp: T0 + 10, retention }));
    expect(await h.admin.exists(`${h.prefix}{history-index}:rooms`)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await h.fx.fill(s, 'healed', 1, () => ({ timestamp: T0 + 20, retention }));
    expect(await h.admin.zscore(`${h.prefix}{history-index}:rooms`, 'app-1:healed')).toBe(String(T0 + 1_000));
    expect(await s.trimExpired({ now: T0 + 60_000, maxAgeMs: 1_000 })).toEqual({ rooms: 1, removed: 4 });
  });

  it('maps a command Redis refuses to internal_error, not to unavailable', async () => {
    const s = store();
    await h.admin.set(`${h.prefix}{app-1:wrong}:history`, 'not a zset');
    const error = await s.append(h.fx.input({ room: 'wrong' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RelayBoxError', code: 'internal_error' });
    expect(await h.admin.get(`${h.prefix}{app-1:wrong}:seq`)).toBeNull();
    const query = await queryMessages(s, 'app-1', 'wrong', {}).catch((e: unknown) => e);
    expect(query).toMatchObject({ name: 'RelayBoxError', code: 'internal_error' });
  });

  it('rejects with store_unavailable during an outage; a retried key then finds its original', async () => {
    const { proxy, s } = await proxied();
    const first = await s.append(h.fx.input({ room: 'outage', idempotencyKey: 'k1' }));
    proxy.cut();
    const before = Date.now();
    await expectStoreUnavailable(s.append(h.fx.input({ room: 'outage', idempotencyKey: 'k2' })));
    await expectStoreUnavailable(s.query('app-1', 'outage', {}));
    await expectStoreUnavailable(s.bounds('app-1', 'outage'));
    await expectStoreUnavailable(s.trimExpired({ now: T0, maxAgeMs: 1 }));
    expect(Date.now() - before).toBeLessThan(10_000);
    proxy.restore();
    let retry: Awaited<ReturnType<RedisHistoryStore['append']>> | undefined;
    const deadline = Date.now() + 10_000;
    while (!retry && Date.now() < deadline) {
      retry = await s.append(h.fx.input({ room: 'outage', idempotencyKey: 'k1' })).catch(() => undefined);
    }
    expect(retry?.duplicate).toBe(true);
    expect(retry?.message.seq).toBe(first.message.seq);
    expect((await s.append(h.fx.input({ room: 'outage' }))).message.seq).toBe(2);
  });

  it('rejects within commandTimeoutMs when the network goes silent', async () => {
    const { proxy, s } = await proxied({ commandTimeoutMs: 500 });
    await s.append(h.fx.input({ room: 'silent' }));
    proxy.freeze();
    const before = Date.now();
    await expectStoreUnavailable(s.append(h.fx.input({ room: 'silent' })));
    expect(Date.now() - before).toBeLessThan(2000);
  });

  it('leaves a shared client open on close()', async () => {
    const client = new Redis(REDIS_URL);
    h.cleanup(async () => client.disconnect());
    const a = store({ client });
    const b = store({ client });
    await a.append(h.fx.input({ room: 'shared' }));
    await a.close();
    await expectStoreUnavailable(a.bounds('app-1', 'shared'));
    expect((await b.append(h.fx.input({ room: 'shared' }))).message.seq).toBe(2);
    expect(await client.ping()).toBe('PONG');
  });
});
