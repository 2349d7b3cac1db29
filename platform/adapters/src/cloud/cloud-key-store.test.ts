import type { AppKey } from '@relaybox/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudKeyStore, type CloudKeyStoreOptions, type KeyInvalidation } from './cloud-key-store.js';
import { ControlPlaneUnavailableError } from './control-plane-client.js';
import { ControlPlaneDouble } from './control-plane-double.js';

const KEY: AppKey = {
  appId: 'app1',
  keyId: 'k1',
  secret: 'secret-one-0001',
  permissions: { '*': ['publish'] },
};
const stores: CloudKeyStore[] = [];
let cp: ControlPlaneDouble;

beforeEach(async () => {
  cp = await new ControlPlaneDouble().start();
  cp.put(KEY);
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await cp.close();
});

function store(options: Partial<CloudKeyStoreOptions> = {}, start = true): CloudKeyStore {
  const s = new CloudKeyStore({
    url: cp.url,
    token: cp.token,
    stream: { minDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  stores.push(s);
  return start ? s.start() : s;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('CloudKeyStore', () => {
  it('resolves a key by (appId, keyId) and caches it', async () => {
    const s = store();
    await until(() => s.streaming, 'the event stream');
    expect(await s.getKey('app1', 'k1')).toEqual(KEY);
    expect(await s.getKey('app1', 'k1')).toEqual(KEY);
    expect(cp.lookups).toEqual(['app1.k1']);
  });

  it('remembers a missing key briefly, then asks again', async () => {
    let clock = 1_000;
    const s = store({ negativeTtlMs: 50, now: () => clock });
    await until(() => s.streaming, 'the event stream');
    expect(await s.getKey('app1', 'nope')).toBeUndefined();
    clock += 49;
    expect(await s.getKey('app1', 'nope')).toBeUndefined();
    expect(cp.lookups).toEqual(['app1.nope']);
    cp.put({ ...KEY, keyId: 'nope' });
    clock += 2;
    expect((await s.getKey('app1', 'nope'))?.keyId).toBe('nope');
    expect(cp.lookups).toEqual(['app1.nope', 'app1.nope']);
  });

  it('never crosses apps: a key id of another app is not found', async () => {
    const s = store();
    expect(await s.getKey('app2', 'k1')).toBeUndefined();
    expect(cp.lookups).toEqual(['app2.k1']);
  });

  it('coalesces concurrent lookups of one key into one request', async () => {
    cp.lookupDelayMs = 50;
    const s = store();
    await until(() => s.streaming, 'the event stream');
    const keys = await Promise.all(Array.from({ length: 20 }, () => s.getKey('app1', 'k1')));
    expect(keys.every((k) => k?.secret === KEY.secret)).toBe(true);
    expect(cp.lookups).toEqual(['app1.k1']);
  });

  it('drops a key on a pushed revoke and tells the listeners', async () => {
    const s = store();
    const seen: KeyInvalidation[] = [];
    s.onInvalidate((i) => seen.push(i));
    await until(() => s.streaming, 'the event stream');
    expect(await s.getKey('app1', 'k1')).toBeDefined();
    cp.revoke('app1', 'k1');
    await until(() => seen.length > 0, 'the revoke event');
    expect(seen).toEqual([{ appId: 'app1', keyId: 'k1' }]);
    expect(await s.getKey('app1', 'k1')).toBeUndefined();
  });

  it('drops every key of a deleted app', async () => {
    cp.put({ ...KEY, keyId: 'k2' });
    cp.put({ ...KEY, appId: 'other' });
    const s = store();
    await until(() => s.streaming, 'the event stream');
    await Promise.all([s.getKey('app1', 'k1'), s.getKey('app1', 'k2'), s.getKey('other', 'k1')]);
    expect(s.cacheSize).toBe(3);
    const seen: KeyInvalidation[] = [];
    s.onInvalidate((i) => seen.push(i));
    cp.push('app-deleted', { appId: 'app1' });
    await until(() => seen.length > 0, 'the app-deleted event');
    expect(seen).toEqual([{ appId: 'app1' }]);
    expect(s.cacheSize).toBe(1);
  });

  it("reports app-updated to its listeners and keeps the app's keys", async () => {
    const s = store();
    await until(() => s.streaming, 'the event stream');
    await s.getKey('app1', 'k1');
    const updated: string[] = [];
    const invalidated: KeyInvalidation[] = [];
    s.onAppUpdated((appId) => updated.push(appId));
    s.onInvalidate((i) => invalidated.push(i));
    cp.push('app-updated', { appId: 'app1' });
    await until(() => updated.length > 0, 'the app-updated event');
    expect(updated).toEqual(['app1']);
    expect(invalidated).toEqual([]);
    expect(s.cacheSize).toBe(1);
  });

  it('reports user-revoked to its listeners, ignores a malformed one, and keeps the keys', async () => {
    const s = store();
    await until(() => s.streaming, 'the event stream');
    await s.getKey('app1', 'k1');
    const revoked: Array<{ appId: string; userId: string }> = [];
    s.onUserRevoked((r) => revoked.push(r));
    cp.push('user-revoked', { appId: 'app1' });
    cp.push('user-revoked', { appId: 'app1', userId: 'usr_1' });
    await until(() => revoked.length > 0, 'the user-revoked event');
    expect(revoked).toEqual([{ appId: 'app1', userId: 'usr_1' }]);
    expect(s.cacheSize).toBe(1);
  });

  it('reports webhook-requeue to its listeners, ignores a malformed one, and keeps the keys', async () => {
    const s = store();
    await until(() => s.streaming, 'the event stream');
    await s.getKey('app1', 'k1');
    const asked: unknown[] = [];
    s.onWebhookRequeue((r) => asked.push(r));
    cp.push('webhook-requeue', { appId: 'app1', endpointId: 'wh_1' });
    cp.push('webhook-requeue', { appId: 'app1', endpointId: 'wh_1', eventId: 'evt_1', requestId: 'rq_1' });
    await until(() => asked.length > 0, 'the webhook-requeue event');
    expect(asked).toEqual([
      { type: 'webhook-requeue', appId: 'app1', endpointId: 'wh_1', eventId: 'evt_1', requestId: 'rq_1' },
    ]);
    expect(s.cacheSize).toBe(1);
  });

  it('a rotation (revoke + new secret) serves the new secret at once', async () => {
    const s = store();
    await until(() => s.streaming, 'the event stream');
    await s.getKey('app1', 'k1');
    cp.put({ ...KEY, secret: 'rotated-secret-02' });
    cp.push('revoke', { appId: 'app1', keyId: 'k1' });
    await until(() => s.cacheSize === 0, 'the cache to drop the key');
    expect((await s.getKey('app1', 'k1'))?.secret).toBe('rotated-secret-02');
  });

  it('does not cache a lookup that a revocation overtook', async () => {
    cp.lookupDelayMs = 100;
    const s = store();
    await until(() => s.streaming, 'the event stream');
    const pending = s.getKey('app1', 'k1');
    await until(() => cp.lookups.length === 1, 'the lookup to reach the control plane');
    cp.revoke('app1', 'k1');
    await pending;
    expect(s.cacheSize).toBe(0);
    expect(await s.getKey('app1', 'k1')).toBeUndefined();
  });

  it('reconnects after the stream drops and flushes the whole cache on ready', async () => {
    const s = store();
    let resyncs = 0;
    s.onResync(() => resyncs++);
    await until(() => s.streaming, 'the event stream');
    await s.getKey('app1', 'k1');
    expect(s.cacheSize).toBe(1);
    cp.dropStreams();
    await until(() => !s.streaming, 'the stream to be seen down');
    await until(() => s.streaming && cp.openStreams === 1, 'the reconnect');
    expect(s.cacheSize).toBe(0);
    expect(resyncs).toBe(2);
  });

  it('trusts a found key only briefly while the stream is down', async () => {
    cp.streamStatus = 503;
    let clock = 1_000;
    const s = store({ degradedTtlMs: 30, now: () => clock });
    await s.getKey('app1', 'k1');
    clock += 29;
    await s.getKey('app1', 'k1');
    expect(cp.lookups).toHaveLength(1);
    clock += 2;
    await s.getKey('app1', 'k1');
    expect(cp.lookups).toHaveLength(2);
    expect(s.streaming).toBe(false);
  });

  it('keeps the cache bounded under a flood of random key ids', async () => {
    const s = store({ maxEntries: 50 });
    await until(() => s.streaming, 'the event stream');
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 30 }, (_, i) => s.getKey('app1', `random-${batch}-${i}`)));
    }
    expect(cp.lookups).toHaveLength(300);
    expect(s.cacheSize).toBe(50);
  });

  it('answers an unreachable control plane with an error, never "no such key"', async () => {
    const s = store({ requestTimeoutMs: 500 }, false);
    await cp.close();
    await expect(s.getKey('app1', 'k1')).rejects.toBeInstanceOf(ControlPlaneUnavailableError);
  });

  it.each([
    ['a 5xx', { lookupStatus: 500 }],
    ['a refused service token', { token: 'wrong-token' }],
  ])('answers %s with an error, and does not cache it', async (_name, variant) => {
    if ('lookupStatus' in variant) cp.lookupStatus = variant.lookupStatus;
    const s = store('token' in variant ? { token: variant.token } : {}, false);
    await expect(s.getKey('app1', 'k1')).rejects.toBeInstanceOf(ControlPlaneUnavailableError);
    expect(s.cacheSize).toBe(0);
  });

  it('treats a malformed answer as an outage', async () => {
    cp.put({ ...KEY, keyId: 'bad', appId: 'app1', secret: '' });
    const s = store({}, false);
    await expect(s.getKey('app1', 'bad')).rejects.toThrow(/malformed/);
  });

  it('does not ask about ids that cannot exist', async () => {
    const s = store({}, false);
    expect(await s.getKey('', 'k1')).toBeUndefined();
    expect(await s.getKey('app1', 'x'.repeat(201))).toBeUndefined();
    expect(cp.lookups).toEqual([]);
  });
});
