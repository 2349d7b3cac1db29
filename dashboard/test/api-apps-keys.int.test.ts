import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  internal,
  openKeyEventStream,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url });
  browser = new BrowserClient(cp.url);
  await browser.signup();
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

const newApp = async (name = 'my app') => (await browser.post('/api/apps', { name })).body as { id: string };

describe('apps', () => {
  it('creates, lists, reads, renames, changes settings and deletes an app', async () => {
    const created = await browser.post('/api/apps', { name: '  Chat  ' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Chat',
      settings: { historyMaxMessages: 100, allowedOrigins: [] },
    });
    expect(created.body.id).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(Number.isNaN(Date.parse(created.body.createdAt))).toBe(false);
    const id = created.body.id;

    expect((await browser.get('/api/apps')).body.items.map((a: { id: string }) => a.id)).toContain(id);
    expect((await browser.get(`/api/apps/${id}`)).body).toEqual(created.body);

    const patched = await browser.patch(`/api/apps/${id}`, {
      name: 'Chat 2',
      settings: {
        historyMaxAgeSec: 3600,
        allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
        limits: { maxConnections: 50 },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe('Chat 2');
    expect(patched.body.settings).toEqual({
      historyMaxMessages: 100,
      historyMaxAgeSec: 3600,
      allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
      limits: { maxConnections: 50, publishRatePerSec: 50, maxRoomsPerConnection: 100 },
    });
    expect((await browser.get(`/api/apps/${id}`)).body).toEqual(patched.body);

    expect((await browser.delete(`/api/apps/${id}`)).status).toBe(204);
    const gone = await browser.get(`/api/apps/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
    expect((await browser.delete(`/api/apps/${id}`)).status).toBe(404);
  });

  it('rejects bad names and out-of-bounds settings with the field', async () => {
    const app = await newApp();
    const cases: Array<[unknown, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ settings: { historyMaxMessages: -1 } }, 'settings.historyMaxMessages'],
      [{ settings: { historyMaxAgeSec: 31 * 86_400 } }, 'settings.historyMaxAgeSec'],
      [{ settings: { limits: { publishRatePerSec: 0 } } }, 'settings.limits.publishRatePerSec'],
      [{ settings: { limits: { maxConnections: 1.5 } } }, 'settings.limits.maxConnections'],
      [{ settings: { allowedOrigins: ['ftp://x.example.com'] } }, 'settings.allowedOrigins.0'],
      [{ settings: { allowedOrigins: ['https://x.example.com/path'] } }, 'settings.allowedOrigins.0'],
      [{ settings: { unknown: 1 } }, 'settings.unknown'],
      [{ settings: { historyMaxMessages: '5' } }, 'settings.historyMaxMessages'],
    ];
    for (const [body, field] of cases) {
      const reply = await browser.patch(`/api/apps/${app.id}`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect(reply.body.error.field).toBe(field);
    }
    expect((await browser.post('/api/apps', {})).body.error.field).toBe('name');
  });
});

describe('API keys', () => {
  it('creates a key shown once, lists it without the secret, resolves it internally', async () => {
    const app = await newApp();
    const permissions = {
      'chat:*': ['subscribe', 'publish', 'presence'],
      'news:>': ['subscribe', 'history'],
    };
    const created = await browser.post(`/api/apps/${app.id}/keys`, { name: 'server', permissions });
    expect(created.status).toBe(201);
    const { key, apiKey } = created.body;
    expect(apiKey).toMatch(new RegExp(`^${app.id}\\.${key.id}:[A-Za-z0-9_-]{43}$`));
    const secret = apiKey.split(':')[1];
    expect(key).toEqual({
      id: key.id,
      name: 'server',
      prefix: `${secret.slice(0, 8)}…`,
      permissions,
      createdAt: key.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    });

    const list = await browser.get(`/api/apps/${app.id}/keys`);
    expect(list.body.items).toEqual([key]);
    expect(list.text).not.toContain(secret);

    const lookup = await internal(cp, 'GET', `/keys/${app.id}/${key.id}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual({ appId: app.id, keyId: key.id, secret, permissions });
    const used = (await browser.get(`/api/apps/${app.id}/keys`)).body.items[0];
    expect(used.lastUsedAt).not.toBeNull();
    // Throttled: a second lookup within the minute does not move lastUsedAt.
    await internal(cp, 'GET', `/keys/${app.id}/${key.id}`);
    expect((await browser.get(`/api/apps/${app.id}/keys`)).body.items[0].lastUsedAt).toBe(used.lastUsedAt);
  });

  it('validates permission maps with the protocol rules', async () => {
    const app = await newApp();
    const bad = [
      { 'a*': ['publish'] },
      { '>:a': ['publish'] },
      { room: ['write'] },
      { room: 'publish' },
      ['publish'],
    ];
    for (const permissions of bad) {
      const reply = await browser.post(`/api/apps/${app.id}/keys`, { name: 'k', permissions });
      expect(reply.status, JSON.stringify(permissions)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect(reply.body.error.field).toMatch(/^permissions/);
    }
    const ok = await browser.post(`/api/apps/${app.id}/keys`, {
      name: 'k',
      permissions: { '*': ['metrics'] },
    });
    expect(ok.status).toBe(201);
  });

  it('revokes and rotates keys, pushing events to the SSE stream', async () => {
    const stream = await openKeyEventStream(cp);
    try {
      expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
      await stream.next((e) => e.event === 'ready');
      const app = await newApp();
      const a = (await browser.post(`/api/apps/${app.id}/keys`, { name: 'a', permissions: {} })).body;
      const b = (await browser.post(`/api/apps/${app.id}/keys`, { name: 'b', permissions: {} })).body;

      const revoked = await browser.post(`/api/apps/${app.id}/keys/${a.key.id}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      expect(await stream.next((e) => e.event === 'revoke')).toEqual({
        event: 'revoke',
        data: { appId: app.id, keyId: a.key.id },
      });
      expect((await internal(cp, 'GET', `/keys/${app.id}/${a.key.id}`)).status).toBe(404);
      expect((await browser.post(`/api/apps/${app.id}/keys/${a.key.id}/rotate`)).status).toBe(404);

      const rotated = await browser.post(`/api/apps/${app.id}/keys/${b.key.id}/rotate`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.key.id).toBe(b.key.id);
      expect(rotated.body.apiKey).not.toBe(b.apiKey);
      await stream.next((e) => e.event === 'revoke' && (e.data as { keyId: string }).keyId === b.key.id);
      const lookup = await internal(cp, 'GET', `/keys/${app.id}/${b.key.id}`);
      expect(lookup.body.secret).toBe(rotated.body.apiKey.split(':')[1]);

      expect((await browser.delete(`/api/apps/${app.id}`)).status).toBe(204);
      expect(await stream.next((e) => e.event === 'app-deleted')).toEqual({
        event: 'app-deleted',
        data: { appId: app.id },
      });
      expect((await internal(cp, 'GET', `/keys/${app.id}/${b.key.id}`)).status).toBe(404);
    } finally {
      stream.close();
    }
  });

  it('pushes revocations from another control-plane process through LISTEN/NOTIFY', async () => {
    const other = await startControlPlane({ DATABASE_URL: db.url });
    const stream = await openKeyEventStream(other);
    try {
      await stream.next((e) => e.event === 'ready');
      const app = await newApp();
      const k = (await browser.post(`/api/apps/${app.id}/keys`, { name: 'k', permissions: {} })).body;
      await browser.post(`/api/apps/${app.id}/keys/${k.key.id}/revoke`);
      await stream.next((e) => e.event === 'revoke' && (e.data as { keyId: string }).keyId === k.key.id);
    } finally {
      stream.close();
      await other.close();
    }
  });
});

describe('key event streams after a lost LISTEN connection', () => {
  it('end once LISTEN is back, and the next stream gets events again', async () => {
    const other = await startControlPlane({ DATABASE_URL: db.url });
    const first = await openKeyEventStream(other);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await first.next((e) => e.event === 'ready');
      const killed = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
      );
      expect(killed.rowCount).toBeGreaterThanOrEqual(1);
      await first.ended;
      const second = await openKeyEventStream(other);
      try {
        await second.next((e) => e.event === 'ready');
        const app = await newApp();
        const k = (await browser.post(`/api/apps/${app.id}/keys`, { name: 'k', permissions: {} })).body;
        await browser.post(`/api/apps/${app.id}/keys/${k.key.id}/revoke`);
        await second.next((e) => e.event === 'revoke' && (e.data as { keyId: string }).keyId === k.key.id);
      } finally {
        second.close();
      }
    } finally {
      first.close();
      await admin.end();
      await other.close();
    }
  });
});

describe('internal API', () => {
  it('requires the service token', async () => {
    for (const token of ['', 'wrong-token-wrong-token']) {
      const reply = await internal(cp, 'GET', '/keys/x/y', undefined, token);
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('unauthorized');
    }
    const events = await fetch(`${cp.url}/internal/v1/keys/events`);
    expect(events.status).toBe(401);
    expect(
      (await internal(cp, 'POST', '/usage', { nodeId: 'n', items: [] }, 'nope-nope-nope-nope')).status,
    ).toBe(401);
  });

  it('looks keys up by the (appId, keyId) pair only', async () => {
    const app1 = await newApp();
    const app2 = await newApp();
    const k = (await browser.post(`/api/apps/${app1.id}/keys`, { name: 'k', permissions: {} })).body;
    expect((await internal(cp, 'GET', `/keys/${app1.id}/${k.key.id}`)).status).toBe(200);
    expect((await internal(cp, 'GET', `/keys/${app2.id}/${k.key.id}`)).status).toBe(404);
    expect((await internal(cp, 'GET', `/keys/nope/${k.key.id}`)).body.error.code).toBe('not_found');
  });

  it('serves app config with settings and webhook secrets', async () => {
    const app = await newApp();
    await browser.patch(`/api/apps/${app.id}`, { settings: { historyMaxMessages: 7 } });
    const wh = (
      await browser.post(`/api/apps/${app.id}/webhooks`, {
        url: 'https://hooks.example.com/in',
        events: ['room.joined'],
      })
    ).body;
    const config = await internal(cp, 'GET', `/apps/${app.id}/config`);
    expect(config.status).toBe(200);
    expect(config.body.appId).toBe(app.id);
    expect(config.body.settings.historyMaxMessages).toBe(7);
    expect(config.body.webhooks).toEqual([
      { id: wh.webhook.id, url: 'https://hooks.example.com/in', events: ['room.joined'], secret: wh.secret },
    ]);
    expect((await internal(cp, 'GET', '/apps/unknown/config')).status).toBe(404);
  });
});

describe('usage', () => {
  it('aggregates reports per UTC day and zero-fills the range', async () => {
    const app = await newApp();
    const now = Date.now();
    const minute = Math.floor(now / 60_000) * 60_000;
    const yesterday = minute - 86_400_000;
    const report = (nodeId: string, items: object[]) => internal(cp, 'POST', '/usage', { nodeId, items });
    // Two items of one report in the same minute merge (sum, max concurrent).
    const first = await report('n1', [
      { appId: app.id, ts: minute, connections: 2, messages: 6, concurrent: 3 },
      { appId: app.id, ts: minute + 5, connections: 1, messages: 4, concurrent: 2 },
    ]);
    expect(first.status).toBe(204);
    await report('n2', [{ appId: app.id, ts: minute + 1, connections: 2, messages: 5, concurrent: 4 }]);
    await report('n1', [{ appId: app.id, ts: minute + 2, connections: 1, messages: 1, concurrent: 2 }]);
    await report('n1', [
      { appId: app.id, ts: yesterday, connections: 9, messages: 90, concurrent: 9 },
      { appId: 'deleted-app', ts: minute, connections: 1, messages: 1, concurrent: 1 },
    ]);
    const usage = await browser.get(`/api/apps/${app.id}/usage?days=3`);
    expect(usage.status).toBe(200);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    // Peak today: n1 max 3 in that minute + n2 4 = 7.
    expect(usage.body.items).toEqual([
      { day: day(now - 2 * 86_400_000), connections: 0, messages: 0, peakConcurrent: 0 },
      { day: day(yesterday), connections: 9, messages: 90, peakConcurrent: 9 },
      { day: day(minute), connections: 6, messages: 16, peakConcurrent: 7 },
    ]);
    expect((await browser.get(`/api/apps/${app.id}/usage`)).body.items).toHaveLength(30);
    expect((await browser.get(`/api/apps/${app.id}/usage?days=0`)).status).toBe(400);
    const bad = await internal(cp, 'POST', '/usage', {
      nodeId: 'n',
      items: [{ appId: app.id, ts: 1, connections: -1, messages: 0, concurrent: 0 }],
    });
    expect(bad.status).toBe(400);
  });
});
