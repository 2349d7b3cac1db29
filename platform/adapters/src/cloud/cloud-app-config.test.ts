import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudAppConfig } from './cloud-app-config.js';
import { ControlPlaneUnavailableError } from './control-plane-client.js';
import { ControlPlaneDouble } from './control-plane-double.js';

let cp: ControlPlaneDouble;
const hook = (id: string, events: string[]) => ({
  id,
  url: `https://hooks.example.com/${id}`,
  events,
  secret: `whsec-${id}-0123456789`,
});

beforeEach(async () => {
  cp = await new ControlPlaneDouble().start();
  cp.apps.set('a', {
    appId: 'a',
    settings: {},
    webhooks: [hook('h1', ['connection.opened']), hook('h2', ['message.published', 'room.joined'])],
  });
});
afterEach(() => cp.close());

const config = (ttlMs = 30_000) => new CloudAppConfig({ url: cp.url, token: cp.token, ttlMs });

describe('CloudAppConfig', () => {
  it("resolves an app's webhook endpoints in the platform's shape, cached", async () => {
    const c = config();
    const endpoints = await c.endpointsFor('a');
    expect(endpoints).toEqual([
      { appId: 'a', ...hook('h1', ['connection.opened']), rooms: undefined },
      { appId: 'a', ...hook('h2', ['message.published', 'room.joined']), rooms: ['*'] },
    ]);
    expect((await c.get('a', 'h2'))?.url).toBe('https://hooks.example.com/h2');
    expect(await c.get('a', 'nope')).toBeUndefined();
    expect(cp.appLookups).toEqual(['a']);
  });

  it('reads history retention from the settings and reports every load', async () => {
    cp.apps.set('r', { appId: 'r', settings: { historyMaxMessages: 50, historyMaxAgeSec: 0 }, webhooks: [] });
    const loaded: string[] = [];
    const c = new CloudAppConfig({ url: cp.url, token: cp.token, onLoaded: (app) => loaded.push(app.appId) });
    expect((await c.app('r'))?.retention).toEqual({ maxMessages: 50, maxAgeMs: 1000 });
    expect((await c.app('a'))?.retention).toEqual({});
    await c.app('r');
    expect(loaded).toEqual(['r', 'a']);
  });

  it("parses the app's user pool like an apps file; one the gateway cannot use is off, with a warning", async () => {
    cp.apps.set('p', {
      appId: 'p',
      settings: {},
      webhooks: [],
      auth: {
        userPermissions: { 'chat:>': ['subscribe'] },
        mfa: { required: false, allowed: false },
        redirectUris: ['https://shop.example/cb'],
        providers: [{ id: 'github', kind: 'github', clientId: 'id', clientSecret: 'client-secret-value' }],
      },
    });
    cp.apps.set('bad', { appId: 'bad', settings: {}, webhooks: [], auth: { accessTokenTtlSec: 1 } });
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const c = new CloudAppConfig({
      url: cp.url,
      token: cp.token,
      log: { info: () => {}, warn: (_message, fields) => warnings.push(fields) },
    });
    expect((await c.app('p'))?.auth).toMatchObject({
      appName: 'p',
      userPermissions: { 'chat:>': ['subscribe'] },
      mfaAllowed: false,
      mfaRequired: false,
      redirectUris: ['https://shop.example/cb'],
      providers: [{ id: 'github', clientSecret: 'client-secret-value' }],
    });
    expect((await c.app('a'))?.auth).toBeUndefined();
    expect((await c.app('bad'))?.auth).toBeUndefined();
    expect(warnings).toEqual([{ appId: 'bad', reason: expect.stringMatching(/accessTokenTtlSec/) }]);
  });

  it('never crosses apps, and remembers an unknown app for the TTL', async () => {
    const c = config();
    expect(await c.endpointsFor('b')).toEqual([]);
    expect(await c.get('b', 'h1')).toBeUndefined();
    expect(cp.appLookups).toEqual(['b']);
  });

  it('coalesces concurrent lookups, refetches after the TTL or an invalidation', async () => {
    const c = config(40);
    await Promise.all(Array.from({ length: 10 }, () => c.endpointsFor('a')));
    expect(cp.appLookups).toHaveLength(1);
    c.invalidate('a');
    await c.endpointsFor('a');
    expect(cp.appLookups).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 50));
    await c.endpointsFor('a');
    expect(cp.appLookups).toHaveLength(3);
  });

  it('invalidateAll forgets every app (event stream reconnected)', async () => {
    const c = config();
    await Promise.all([c.endpointsFor('a'), c.endpointsFor('b')]);
    expect(cp.appLookups).toHaveLength(2);
    c.invalidateAll();
    await Promise.all([c.endpointsFor('a'), c.endpointsFor('b')]);
    expect(cp.appLookups).toHaveLength(4);
  });

  it('skips endpoints the platform cannot use and fails on a malformed answer', async () => {
    cp.apps.set('x', { appId: 'x', webhooks: [hook('ok', ['room.left']), hook('bad', ['room.exploded'])] });
    cp.apps.set('y', { appId: 'other', webhooks: [] });
    const c = config();
    expect((await c.endpointsFor('x')).map((e) => e.id)).toEqual(['ok']);
    await expect(c.endpointsFor('y')).rejects.toBeInstanceOf(ControlPlaneUnavailableError);
  });

  it('an unreachable control plane is an error (the delivery is retried), not "no endpoints"', async () => {
    const c = config();
    await cp.close();
    await expect(c.endpointsFor('a')).rejects.toBeInstanceOf(ControlPlaneUnavailableError);
    cp = await new ControlPlaneDouble().start();
  });
});
