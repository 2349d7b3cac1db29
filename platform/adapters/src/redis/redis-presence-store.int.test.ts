import { describePresenceStoreConformance, expectStoreUnavailable, TcpProxy } from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from './redis-presence-store.js';
import { deleteKeys, keysOf, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

describePresenceStoreConformance('RedisPresenceStore', () => {
  const prefix = uniquePrefix();
  // Small batches, so the removal tests cross many batch boundaries.
  return {
    createStore: (clock) =>
      new RedisPresenceStore({ url: REDIS_URL, prefix, clock, batchSize: 97, scanCount: 250 }),
    dispose: () => deleteKeys(prefix),
  };
});

describe('RedisPresenceStore against Redis', () => {
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

  const store = (options: ConstructorParameters<typeof RedisPresenceStore>[0] = {}): RedisPresenceStore => {
    const created = new RedisPresenceStore({ url: REDIS_URL, prefix, clock: () => 1000, ...options });
    cleanup.push(() => created.close());
    return created;
  };

  it('keeps the documented layout and leaves no key behind once everyone left', async () => {
    const s = store();
    await s.enter('app-1', 'chat:lobby', { clientId: 'alice', connectionId: 'c1', data: { a: 1 } }, 'gw-a');
    await s.enter('app-1', 'chat:other', { clientId: 'alice', connectionId: 'c1', data: null }, 'gw-a');
    expect(await keysOf(admin, prefix)).toEqual(
      [
        `${prefix}{presence}:conn:app-1:c1`,
        `${prefix}{presence}:gateways`,
        `${prefix}{presence}:gw:gw-a`,
        `${prefix}{presence}:owner:app-1:c1`,
        `${prefix}{presence}:room:app-1:chat:lobby`,
        `${prefix}{presence}:room:app-1:chat:other`,
      ].sort(),
    );
    expect(await admin.hget(`${prefix}{presence}:room:app-1:chat:lobby`, 'c1')).toBe(
      '1000|{"c":"alice","d":{"a":1},"u":1000}',
    );
    expect(await admin.smembers(`${prefix}{presence}:gw:gw-a`)).toEqual(['app-1:c1']);

    await s.leave('app-1', 'chat:lobby', 'c1');
    await s.enter('app-1', 'chat:third', { clientId: 'alice', connectionId: 'c2', data: 1 }, 'gw-b');
    await s.removeConnection('app-1', 'c1');
    await s.removeGateway('gw-b');
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it('removes 3000 memberships of one connection in batches and leaves no key behind', async () => {
    const s = store({ batchSize: 100 });
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) {
      calls.push(s.enter('app-1', `room-${i}`, { clientId: 'a', connectionId: 'big', data: i }, 'gw-a'));
    }
    await Promise.all(calls);
    const removed = await s.removeConnection('app-1', 'big', { onlyIfGateway: 'gw-a' });
    expect(new Set(removed.map((r) => r.room)).size).toBe(3000);
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it('maps a command Redis refuses to internal_error', async () => {
    const s = store();
    await admin.set(`${prefix}{presence}:room:app-1:broken`, 'not a hash');
    const error = await s
      .enter('app-1', 'broken', { clientId: 'a', connectionId: 'c', data: 1 }, 'gw')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RelayBoxError', code: 'internal_error' });
  });

  it('rejects with store_unavailable within its bound when Redis cannot be reached', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanup.push(() => proxy.close());
    proxy.cut();
    const s = store({ url: `redis://127.0.0.1:${proxy.port}` });
    const before = Date.now();
    await expectStoreUnavailable(
      s.enter('app-1', 'down', { clientId: 'a', connectionId: 'c', data: 1 }, 'gw'),
    );
    await expectStoreUnavailable(s.members('app-1', 'down'));
    await expectStoreUnavailable(s.removeGateway('gw'));
    expect(Date.now() - before).toBeLessThan(10_000);
  });

  it('shares a client with other stores and leaves it open on close()', async () => {
    const client = new Redis(REDIS_URL);
    cleanup.push(async () => client.disconnect());
    const a = store({ client });
    const b = store({ client });
    await a.enter('app-1', 'shared', { clientId: 'a', connectionId: 'c', data: 1 }, 'gw');
    await a.close();
    await expectStoreUnavailable(a.count('app-1', 'shared'));
    expect(await b.count('app-1', 'shared')).toBe(1);
    expect(await client.ping()).toBe('PONG');
  });
});
