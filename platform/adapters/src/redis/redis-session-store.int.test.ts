import { hashResumeSecret } from '@relaybox/core';
import {
  describeSessionStoreConformance,
  expectStoreUnavailable,
  sleep,
  TcpProxy,
} from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisSessionStore } from './redis-session-store.js';
import { deleteKeys, keysOf, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

describeSessionStoreConformance('RedisSessionStore', () => {
  const prefix = uniquePrefix();
  // Small batches, so the sweep crosses many batch boundaries.
  return {
    createStore: () => new RedisSessionStore({ url: REDIS_URL, prefix, batchSize: 97 }),
    elapse: (ms) => sleep(ms),
    dispose: () => deleteKeys(prefix),
  };
});

describe('RedisSessionStore against Redis', () => {
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

  const store = (options: ConstructorParameters<typeof RedisSessionStore>[0] = {}): RedisSessionStore => {
    const created = new RedisSessionStore({ url: REDIS_URL, prefix, ...options });
    cleanup.push(() => created.close());
    return created;
  };

  const session = { connectionId: 'c1', appId: 'app-1', clientId: 'alice', gatewayId: 'gw-a', createdAt: 5 };

  it('keeps the documented layout: the secret only as sha256, PX once detached, one key per heartbeat', async () => {
    const s = store();
    expect(await s.heartbeat('gw-a', 60_000)).toBe(false);
    await s.create({ ...session, rooms: { 'chat:lobby': { subscribed: true } } }, 'the-secret');
    expect(await keysOf(admin, prefix)).toEqual(
      [
        `${prefix}{session-index}:alive:gw-a`,
        `${prefix}{session:c:c1}`,
        `${prefix}{session-index}:g:gw-a`,
        `${prefix}{session-index}:gateways`,
      ].sort(),
    );
    expect(await admin.call('HGETALL', `${prefix}{session:c:c1}`)).toEqual([
      'a',
      'app-1',
      'c',
      'alice',
      'g',
      'gw-a',
      'h',
      hashResumeSecret('the-secret'),
      't',
      '5',
      's',
      'a',
      'r:chat:lobby',
      '1',
    ]);
    expect(JSON.stringify(await admin.hvals(`${prefix}{session:c:c1}`))).not.toContain('the-secret');
    expect(await admin.pttl(`${prefix}{session:c:c1}`)).toBe(-1);
    const ttl = await admin.pttl(`${prefix}{session-index}:alive:gw-a`);
    expect(ttl).toBeGreaterThan(59_000);

    await s.detach('c1', 'gw-a', 120_000);
    const detachedTtl = await admin.pttl(`${prefix}{session:c:c1}`);
    expect(detachedTtl).toBeGreaterThan(119_000);
    expect(detachedTtl).toBeLessThanOrEqual(120_000);
    expect(await admin.exists(`${prefix}{session-index}:g:gw-a`)).toBe(0);

    await s.claim({
      connectionId: 'c1',
      appId: 'app-1',
      clientId: 'alice',
      secret: 'the-secret',
      gatewayId: 'gw-a',
    });
    expect(await admin.pttl(`${prefix}{session:c:c1}`)).toBe(-1);
    expect(await admin.smembers(`${prefix}{session-index}:g:gw-a`)).toEqual(['c1']);
  });

  it('keeps a room named like an object key a room', async () => {
    const s = store();
    await s.heartbeat('gw-a', 60_000);
    const rooms = JSON.parse('{"__proto__":{"subscribed":true},"constructor":{"subscribed":false}}');
    await s.create({ ...session, rooms }, 's');
    const stored = await s.get('c1');
    expect(Object.keys(stored?.rooms ?? {}).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(stored?.rooms)).toBe(Object.prototype);
  });

  it('leaves no reference under a refused claimer, and skips one a cut claim left', async () => {
    const s = store();
    await s.heartbeat('gw-a', 60_000);
    await s.create({ ...session, rooms: {} }, 'the-secret');
    const claim = { connectionId: 'c1', appId: 'app-1', clientId: 'alice', gatewayId: 'gw-b' };
    await expect(s.claim({ ...claim, secret: 'wrong' })).rejects.toMatchObject({ reason: 'wrong_secret' });
    await expect(s.claim({ ...claim, secret: 'the-secret' })).rejects.toMatchObject({ reason: 'attached' });
    await expect(s.claim({ ...claim, connectionId: 'nobody', secret: 'x' })).rejects.toMatchObject({
      reason: 'not_found',
    });
    expect(await admin.exists(`${prefix}{session-index}:g:gw-b`)).toBe(0);

    // A claim cut after its first step (the index) leaves a reference to a session attached elsewhere.
    await admin.sadd(`${prefix}{session-index}:g:gw-b`, 'c1');
    expect(await s.sweepGateway('gw-b', { resumeWindowMs: 1000 })).toEqual([]);
    expect(await s.get('c1')).toMatchObject({ gatewayId: 'gw-a', state: 'attached' });
    expect(await admin.exists(`${prefix}{session-index}:g:gw-b`)).toBe(0);
    expect(await admin.smembers(`${prefix}{session-index}:g:gw-a`)).toEqual(['c1']);
  });

  it('sweeps 1500 sessions in batches and leaves no key behind', async () => {
    const s = store({ batchSize: 100 });
    await s.heartbeat('gw-dead', 200);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 1500; i++)
      calls.push(s.create({ ...session, connectionId: `c${i}`, gatewayId: 'gw-dead', rooms: {} }, 's'));
    await Promise.all(calls);
    await sleep(350);
    expect(await s.sweepGateway('gw-dead', { resumeWindowMs: 0 })).toHaveLength(1500);
    expect(await keysOf(admin, prefix)).toEqual([]);
  });

  it('rejects with store_unavailable within its bound when Redis cannot be reached', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    cleanup.push(() => proxy.close());
    proxy.cut();
    const s = store({ url: `redis://127.0.0.1:${proxy.port}` });
    const before = Date.now();
    await expectStoreUnavailable(s.heartbeat('gw-a', 1000));
    await expectStoreUnavailable(
      s.claim({ connectionId: 'c1', appId: 'app-1', clientId: 'a', secret: 's', gatewayId: 'gw' }),
    );
    await expectStoreUnavailable(s.deadGateways());
    expect(Date.now() - before).toBeLessThan(10_000);
  });
});
