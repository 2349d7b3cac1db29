import { describeSequenceStoreConformance, expectStoreUnavailable, TcpProxy } from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisSequenceStore } from './redis-sequence-store.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

describeSequenceStoreConformance('RedisSequenceStore', () => {
  const prefix = uniquePrefix();
  return {
    createStore: () => new RedisSequenceStore({ url: REDIS_URL, prefix }),
    dispose: async () => {
      await deleteKeys(prefix);
    },
  };
});

describe('RedisSequenceStore against Redis', () => {
  let prefix: string;
  let admin: Redis;
  let cleanup: (() => Promise<void>)[];

  beforeEach(() => {
    prefix = uniquePrefix();
    admin = new Redis(REDIS_URL);
    cleanup = [];
  });

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    await deleteKeys(prefix);
    admin.disconnect();
  });

  const store = (options: ConstructorParameters<typeof RedisSequenceStore>[0] = {}): RedisSequenceStore => {
    const created = new RedisSequenceStore({ url: REDIS_URL, prefix, ...options });
    cleanup.push(() => created.close());
    return created;
  };

  it('keeps each room in `<prefix>{<appId>:<room>}:seq`', async () => {
    const s = store();
    await s.next('app-1', 'chat:lobby');
    await s.next('app-1', 'chat:lobby');
    await s.next('app-2', 'chat:lobby');
    expect((await admin.keys(`${prefix}*`)).sort()).toEqual([
      `${prefix}{app-1:chat:lobby}:seq`,
      `${prefix}{app-2:chat:lobby}:seq`,
    ]);
    expect(await admin.get(`${prefix}{app-1:chat:lobby}:seq`)).toBe('2');
  });

  it('maps a command Redis refuses to internal_error, not to unavailable', async () => {
    const s = store();
    await admin.hset(`${prefix}{app-1:hash}:seq`, 'field', 'value');
    const error = await s.next('app-1', 'hash').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RelayBoxError', code: 'internal_error' });
  });

  it('rejects with store_unavailable within its bound when Redis cannot be reached', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanup.push(() => proxy.close());
    proxy.cut();
    const s = store({ url: `redis://127.0.0.1:${proxy.port}` });
    const before = Date.now();
    await expectStoreUnavailable(s.next('app-1', 'down'));
    await expectStoreUnavailable(s.current('app-1', 'down'));
    expect(Date.now() - before).toBeLessThan(6000);
  });

  it('fails calls during an outage, then continues the sequence without a gap', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanup.push(() => proxy.close());
    const s = store({ url: `redis://127.0.0.1:${proxy.port}` });
    expect(await s.next('app-1', 'outage')).toBe(1);
    expect(await s.next('app-1', 'outage')).toBe(2);

    proxy.cut();
    const before = Date.now();
    const during = await Promise.allSettled([s.next('app-1', 'outage'), s.next('app-1', 'outage')]);
    expect(Date.now() - before).toBeLessThan(6000);
    for (const result of during) {
      expect(result.status).toBe('rejected');
      await expectStoreUnavailable(Promise.reject((result as PromiseRejectedResult).reason));
    }

    proxy.restore();
    let seq = 0;
    const deadline = Date.now() + 10_000;
    while (seq === 0 && Date.now() < deadline) {
      seq = await s.next('app-1', 'outage').catch(() => 0);
    }
    expect(seq).toBe(3);
    expect(await s.current('app-1', 'outage')).toBe(3);
  });

  it('rejects within commandTimeoutMs when the network goes silent', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanup.push(() => proxy.close());
    const s = store({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 500 });
    expect(await s.next('app-1', 'silent')).toBe(1);
    proxy.freeze();
    const before = Date.now();
    await expectStoreUnavailable(s.next('app-1', 'silent'));
    expect(Date.now() - before).toBeLessThan(2000);
  });

  it('leaves a shared client open on close()', async () => {
    const client = new Redis(REDIS_URL);
    cleanup.push(async () => client.disconnect());
    const a = store({ client });
    const b = store({ client });
    expect(await a.next('app-1', 'shared')).toBe(1);
    expect(await b.next('app-1', 'shared')).toBe(2);
    await a.close();
    await expectStoreUnavailable(a.next('app-1', 'shared'));
    expect(await b.next('app-1', 'shared')).toBe(3);
    expect(await client.ping()).toBe('PONG');
  });
});
