import { describePresenceStoreConformance, expectStoreUnavailable, TcpProxy } from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from './redis-presence-store.js';
import { defineScripts } from './redis-state-client.js';
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
        `${prefix}{app-1:chat:lobby}:presence`,
        `${prefix}{app-1:chat:other}:presence`,
        `${prefix}{presence-index}:conn:app-1:c1`,
        `${prefix}{presence-index}:gateways`,
        `${prefix}{presence-index}:gw:gw-a`,
        `${prefix}{presence-index}:owner:app-1:c1`,
      ].sort(),
    );
    const rooms = await admin.hgetall(`${prefix}{presence-index}:conn:app-1:c1`);
    expect(Object.keys(rooms).sort()).toEqual(['chat:lobby', 'chat:other']);
    const token = rooms['chat:lobby'];
    expect(token).toMatch(/^\d+$/);
    expect(await admin.hget(`${prefix}{app-1:chat:lobby}:presence`, 'c1')).toBe(
      `1000|${token}|{"c":"alice","d":{"a":1},"u":1000}`,
    );
    expect(await admin.smembers(`${prefix}{presence-index}:gw:gw-a`)).toEqual(['app-1:c1']);

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

  /** The first step of a removal batch run alone, as by a remover that crashed right after it. */
  const takeOnly = async (appId: string, connectionId: string, gatewayId: string): Promise<string[]> => {
    const scripts = admin as Redis & { relayboxPresenceIndexTake(...args: string[]): Promise<string[]> };
    defineScripts(scripts, { relayboxPresenceIndexTake: { file: 'presence-index-take.lua', keys: 5 } });
    const reply = await scripts.relayboxPresenceIndexTake(
      `${prefix}{presence-index}:conn:${appId}:${connectionId}`,
      `${prefix}{presence-index}:removing:${appId}:${connectionId}`,
      `${prefix}{presence-index}:owner:${appId}:${connectionId}`,
      `${prefix}{presence-index}:gateways`,
      `${prefix}{presence-index}:gw:${gatewayId}`,
      `${appId}:${connectionId}`,
      '1',
      gatewayId,
      '100',
    );
    return reply.slice(1).map(String);
  };

  it('finishes a removal batch that a crashed remover took out of the index', async () => {
    const s = store();
    await s.enter('app-1', 'r1', { clientId: 'a', connectionId: 'c1', data: 1 }, 'gw-a');
    await s.enter('app-1', 'r2', { clientId: 'a', connectionId: 'c1', data: 2 }, 'gw-a');
    expect((await takeOnly('app-1', 'c1', 'gw-a')).filter((_, i) => i % 2 === 0).sort()).toEqual([
      'r1',
      'r2',
    ]);
    // Taken out of the index: no longer updatable, still listed until removed.
    expect(await s.update('app-1', 'r1', { clientId: 'a', connectionId: 'c1', data: 9 }, 'gw-a')).toBeNull();
    expect(await s.count('app-1', 'r1')).toBe(1);

    const removed = await s.removeGateway('gw-a');
    expect(removed.map((r) => `${r.room}:${String(r.member.data)}`).sort()).toEqual(['r1:1', 'r2:2']);
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it('never removes a member entered again after a removal took its index entry', async () => {
    const s = store();
    await s.enter('app-1', 'r1', { clientId: 'a', connectionId: 'c1', data: 'old' }, 'gw-a');
    const [, oldToken] = await takeOnly('app-1', 'c1', 'gw-a');
    // Entered again while the removal is between its index and member steps: a new token.
    const again = await s.enter('app-1', 'r1', { clientId: 'a', connectionId: 'c1', data: 'new' }, 'gw-a');
    expect(again).toMatchObject({ action: 'update', member: { data: 'new' } });
    const scripts = admin as Redis & { relayboxPresenceRoomRemove(...args: string[]): Promise<unknown[]> };
    defineScripts(scripts, { relayboxPresenceRoomRemove: { file: 'presence-room-remove.lua', keys: 1 } });
    expect(await scripts.relayboxPresenceRoomRemove(`${prefix}{app-1:r1}:presence`, 'c1', oldToken!)).toEqual(
      [0],
    );
    expect((await s.members('app-1', 'r1')).map((m) => m.data)).toEqual(['new']);

    // The next removal drops the stale batch and removes the member once.
    const removed = await s.removeConnection('app-1', 'c1', { onlyIfGateway: 'gw-a' });
    expect(removed.map((r) => r.member.data)).toEqual(['new']);
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it("indexes a member again when a sweep took its index entry between the enter's two steps", async () => {
    const client = new Redis(REDIS_URL);
    cleanup.push(async () => client.disconnect());
    const entering = store({ client });
    const sweeping = store();
    // The real script on the real Redis, with a sweep of the gateway run just before it.
    const scripts = client as Redis & { relayboxPresenceRoomSet(...args: string[]): Promise<unknown> };
    const roomSet = scripts.relayboxPresenceRoomSet.bind(client);
    let sweptBetween: unknown[] | undefined;
    scripts.relayboxPresenceRoomSet = async (...args: string[]) => {
      sweptBetween = await sweeping.removeGateway('gw-x');
      return roomSet(...args);
    };
    const change = await entering.enter(
      'app-1',
      'r1',
      { clientId: 'a', connectionId: 'c1', data: 1 },
      'gw-x',
    );
    expect(change.action).toBe('enter');
    expect(sweptBetween).toEqual([]); // the sweep took the index entry, and found no member yet
    expect(await entering.count('app-1', 'r1')).toBe(1);

    const removed = await sweeping.removeGateway('gw-x');
    expect(removed.map((r) => r.member.data)).toEqual([1]);
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it('maps a command Redis refuses to internal_error', async () => {
    const s = store();
    await admin.set(`${prefix}{app-1:broken}:presence`, 'not a hash');
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
