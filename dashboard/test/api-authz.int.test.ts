import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  internal,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let alice: BrowserClient;
let bob: BrowserClient;
let aliceApp: { id: string; name: string };
let aliceKey: { key: { id: string }; apiKey: string };
let aliceHook: { webhook: { id: string }; secret: string };
let bobApp: { id: string };

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url });
  alice = new BrowserClient(cp.url);
  bob = new BrowserClient(cp.url);
  await alice.signup('alice@example.com');
  await bob.signup('bob@example.com');
  aliceApp = (await alice.post('/api/apps', { name: 'alice app' })).body;
  aliceKey = (
    await alice.post(`/api/apps/${aliceApp.id}/keys`, { name: 'k', permissions: { '*': ['publish'] } })
  ).body;
  aliceHook = (
    await alice.post(`/api/apps/${aliceApp.id}/webhooks`, {
      url: 'http://127.0.0.1:9/hook',
      events: ['room.joined'],
    })
  ).body;
  await internal(cp, 'POST', '/usage', {
    nodeId: 'n1',
    items: [{ appId: aliceApp.id, ts: Date.now(), connections: 5, messages: 50, concurrent: 5 }],
  });
  bobApp = (await bob.post('/api/apps', { name: 'bob app' })).body;
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe("one account never reaches another's apps", () => {
  it('answers 404 not_found on every app-scoped route', async () => {
    const a = aliceApp.id;
    const k = aliceKey.key.id;
    const w = aliceHook.webhook.id;
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/api/apps/${a}`],
      ['PATCH', `/api/apps/${a}`, { name: 'pwned' }],
      ['PATCH', `/api/apps/${a}`, { settings: { historyMaxMessages: 1 } }],
      ['GET', `/api/apps/${a}/keys`],
      ['POST', `/api/apps/${a}/keys`, { name: 'mine now', permissions: { '*': ['publish'] } }],
      ['POST', `/api/apps/${a}/keys/${k}/revoke`],
      ['POST', `/api/apps/${a}/keys/${k}/rotate`],
      ['GET', `/api/apps/${a}/webhooks`],
      ['POST', `/api/apps/${a}/webhooks`, { url: 'https://evil.example.com', events: ['room.joined'] }],
      ['POST', `/api/apps/${a}/webhooks/${w}/test`],
      ['GET', `/api/apps/${a}/webhooks/${w}/deliveries`],
      ['GET', `/api/apps/${a}/webhooks/dead-letters`],
      ['POST', `/api/apps/${a}/webhooks/${w}/dead-letters/evt_x/requeue`],
      ['DELETE', `/api/apps/${a}/webhooks/${w}`],
      ['GET', `/api/apps/${a}/usage`],
      ['GET', `/api/apps/${a}/auth`],
      ['PATCH', `/api/apps/${a}/auth`, { enabled: true }],
      [
        'POST',
        `/api/apps/${a}/auth/providers`,
        { id: 'gh', kind: 'github', clientId: 'x', clientSecret: 'y' },
      ],
      ['PATCH', `/api/apps/${a}/auth/providers/gh`, { clientSecret: 'z' }],
      ['DELETE', `/api/apps/${a}/auth/providers/gh`],
      ['GET', `/api/apps/${a}/auth/users`],
      ['PATCH', `/api/apps/${a}/auth/users/usr_x`, { disabled: true }],
      ['POST', `/api/apps/${a}/auth/users/usr_x/revoke`],
      ['DELETE', `/api/apps/${a}`],
      // Bob's own app with Alice's key and webhook ids: scoped by app, so still not found.
      ['POST', `/api/apps/${bobApp.id}/keys/${k}/revoke`],
      ['POST', `/api/apps/${bobApp.id}/keys/${k}/rotate`],
      ['POST', `/api/apps/${bobApp.id}/webhooks/${w}/test`],
      ['GET', `/api/apps/${bobApp.id}/webhooks/${w}/deliveries`],
      ['POST', `/api/apps/${bobApp.id}/webhooks/${w}/dead-letters/evt_x/requeue`],
      ['DELETE', `/api/apps/${bobApp.id}/webhooks/${w}`],
    ];
    for (const [method, path, body] of routes) {
      const reply = await bob.request(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.code, `${method} ${path}`).toBe('not_found');
      expect(reply.text).not.toContain('alice');
    }
  });

  it("leaves Alice's app, key, webhook and usage untouched and hides them from Bob's lists", async () => {
    const app = await alice.get(`/api/apps/${aliceApp.id}`);
    expect(app.status).toBe(200);
    expect(app.body.name).toBe('alice app');
    expect(app.body.settings.historyMaxMessages).toBe(100);
    const keys = (await alice.get(`/api/apps/${aliceApp.id}/keys`)).body.items;
    expect(keys).toHaveLength(1);
    expect(keys[0].revokedAt).toBeNull();
    const lookup = await internal(cp, 'GET', `/keys/${aliceApp.id}/${aliceKey.key.id}`);
    expect(lookup.body.secret).toBe(aliceKey.apiKey.split(':')[1]);
    expect((await alice.get(`/api/apps/${aliceApp.id}/webhooks`)).body.items).toHaveLength(1);
    expect(
      (await alice.get(`/api/apps/${aliceApp.id}/webhooks/${aliceHook.webhook.id}/deliveries`)).body.items,
    ).toEqual([]);
    const usage = (await alice.get(`/api/apps/${aliceApp.id}/usage?days=1`)).body.items;
    expect(usage[0].messages).toBe(50);

    const bobApps = (await bob.get('/api/apps')).body.items;
    expect(bobApps.map((x: { id: string }) => x.id)).toEqual([bobApp.id]);
    expect((await bob.get(`/api/apps/${bobApp.id}/keys`)).body.items).toEqual([]);
    expect((await bob.get(`/api/apps/${bobApp.id}/webhooks`)).body.items).toEqual([]);
  });

  it("does not accept Alice's CSRF token with Bob's session", async () => {
    const reply = await bob.request('POST', '/api/apps', { name: 'x' }, { csrf: alice.csrfToken });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe('csrf_invalid');
  });
});
