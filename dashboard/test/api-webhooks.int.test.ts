import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WebhookHeader } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

interface Received {
  path: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, WEBHOOK_TEST_TIMEOUT_MS: '300' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  // A real receiver: /ok answers 200, /fail 500, /slow never answers within the timeout.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
      });
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('thanks');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await cp?.close();
  await db?.drop();
});

const newApp = async () => (await browser.post('/api/apps', { name: 'hooks' })).body as { id: string };

describe('webhook endpoints', () => {
  it('creates an endpoint (secret shown once), lists it without the secret, deletes it', async () => {
    const app = await newApp();
    const created = await browser.post(`/api/apps/${app.id}/webhooks`, {
      url: `${receiverUrl}/ok`,
      events: ['message.published', 'presence.enter'],
    });
    expect(created.status).toBe(201);
    const { webhook, secret } = created.body;
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(webhook).toEqual({
      id: webhook.id,
      url: `${receiverUrl}/ok`,
      events: ['message.published', 'presence.enter'],
      createdAt: webhook.createdAt,
    });
    const list = await browser.get(`/api/apps/${app.id}/webhooks`);
    expect(list.body.items).toEqual([webhook]);
    expect(list.text).not.toContain(secret);
    expect((await browser.delete(`/api/apps/${app.id}/webhooks/${webhook.id}`)).status).toBe(204);
    expect((await browser.get(`/api/apps/${app.id}/webhooks`)).body.items).toEqual([]);
    expect((await browser.delete(`/api/apps/${app.id}/webhooks/${webhook.id}`)).status).toBe(404);
  });

  it('validates the URL scheme and the event names', async () => {
    const app = await newApp();
    const cases: Array<[unknown, string]> = [
      [{ url: 'ftp://example.com/x', events: ['room.joined'] }, 'url'],
      [{ url: 'javascript:alert(1)', events: ['room.joined'] }, 'url'],
      [{ url: 'http://user:pw@example.com/x', events: ['room.joined'] }, 'url'],
      [{ url: 'https://example.com/x', events: [] }, 'events'],
      [{ url: 'https://example.com/x', events: ['room.exploded'] }, 'events.0'],
      [{ url: 'https://example.com/x', events: ['room.joined', 'room.joined'] }, 'events'],
    ];
    for (const [body, field] of cases) {
      const reply = await browser.post(`/api/apps/${app.id}/webhooks`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_request');
      expect(reply.body.error.field).toBe(field);
    }
  });

  it('sends a signed test event that the receiver verifies, and records the delivery', async () => {
    const app = await newApp();
    const { webhook, secret } = (
      await browser.post(`/api/apps/${app.id}/webhooks`, {
        url: `${receiverUrl}/ok`,
        events: ['room.joined'],
      })
    ).body;
    const before = received.length;
    const test = await browser.post(`/api/apps/${app.id}/webhooks/${webhook.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body.delivery).toMatchObject({ event: 'webhook.test', status: 200, ok: true, error: null });
    expect(test.body.delivery.durationMs).toBeGreaterThanOrEqual(0);

    const got = received.slice(before);
    expect(got).toHaveLength(1);
    const [delivery] = got;
    expect(() => verifyWebhook({ body: delivery!.body, headers: delivery!.headers, secret })).not.toThrow();
    expect(() =>
      verifyWebhook({ body: delivery!.body, headers: delivery!.headers, secret: 'another secret' }),
    ).toThrow();
    const payload = JSON.parse(delivery!.body);
    expect(payload).toMatchObject({ type: 'webhook.test', appId: app.id });
    expect(delivery!.headers[WebhookHeader.EventId.toLowerCase()]).toBe(payload.id);

    const log = await browser.get(`/api/apps/${app.id}/webhooks/${webhook.id}/deliveries`);
    expect(log.body.items).toEqual([test.body.delivery]);
  });

  it('records failures: an HTTP error, a timeout and a refused connection', async () => {
    const app = await newApp();
    const make = async (url: string) =>
      (await browser.post(`/api/apps/${app.id}/webhooks`, { url, events: ['room.left'] })).body.webhook
        .id as string;
    const test = async (id: string) =>
      (await browser.post(`/api/apps/${app.id}/webhooks/${id}/test`)).body.delivery;

    expect(await test(await make(`${receiverUrl}/fail`))).toMatchObject({
      status: 500,
      ok: false,
      error: 'HTTP 500',
    });
    const slow = await test(await make(`${receiverUrl}/slow`));
    expect(slow).toMatchObject({ status: null, ok: false });
    expect(slow.error).toContain('timeout');
    const closed = await test(await make('http://127.0.0.1:9/nothing-listens'));
    expect(closed).toMatchObject({ status: null, ok: false });
    expect(closed.error).toContain('network error');
  });

  it('keeps the last 100 deliveries per endpoint, newest first', async () => {
    const app = await newApp();
    const { webhook } = (
      await browser.post(`/api/apps/${app.id}/webhooks`, {
        url: `${receiverUrl}/ok`,
        events: ['room.joined'],
      })
    ).body;
    const ids: string[] = [];
    for (let i = 0; i < 102; i++) {
      ids.push((await browser.post(`/api/apps/${app.id}/webhooks/${webhook.id}/test`)).body.delivery.id);
    }
    const log = (await browser.get(`/api/apps/${app.id}/webhooks/${webhook.id}/deliveries`)).body.items;
    expect(log).toHaveLength(100);
    expect(log[0].id).toBe(ids[101]);
    expect(log.map((d: { id: string }) => d.id)).not.toContain(ids[0]);
    expect(log.map((d: { id: string }) => d.id)).not.toContain(ids[1]);
  });

  it('refuses private targets at creation when WEBHOOK_ALLOW_PRIVATE_NETWORKS=0 (the production default)', async () => {
    const guarded = await startControlPlane({ DATABASE_URL: db.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '0' });
    try {
      const user = new BrowserClient(guarded.url);
      await user.signup();
      const app = (await user.post('/api/apps', { name: 'guarded' })).body;
      const port = new URL(receiverUrl).port;
      // `localhost` is a name: refused for what it resolves to, not for how it is spelled.
      for (const host of [
        '127.0.0.1',
        'localhost',
        '[::1]',
        '[::ffff:127.0.0.1]',
        '[::ffff:a00:1]',
        '10.0.0.1',
        '169.254.169.254',
        '224.0.0.1',
        '0.0.0.0',
        '[fe80::1]',
        '[::]',
      ]) {
        const reply = await user.post(`/api/apps/${app.id}/webhooks`, {
          url: `http://${host}:${port}/ok`,
          events: ['room.joined'],
        });
        expect(reply.status, host).toBe(400);
        expect(reply.body.error.code, host).toBe('invalid_request');
        expect(reply.body.error.field, host).toBe('url');
        expect(reply.body.error.message, host).toContain('private address');
      }
      expect((await user.get(`/api/apps/${app.id}/webhooks`)).body.items).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it('caps endpoints per app (WEBHOOK_MAX_ENDPOINTS_PER_APP), also under concurrent creation', async () => {
    const capped = await startControlPlane({ DATABASE_URL: db.url, WEBHOOK_MAX_ENDPOINTS_PER_APP: '3' });
    try {
      const user = new BrowserClient(capped.url);
      await user.signup();
      const app = (await user.post('/api/apps', { name: 'capped' })).body;
      const create = () =>
        user.post(`/api/apps/${app.id}/webhooks`, { url: `${receiverUrl}/ok`, events: ['room.joined'] });
      const replies = await Promise.all(Array.from({ length: 12 }, create));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(3);
      expect(statuses.filter((s) => s === 409)).toHaveLength(9);
      const refused = replies.find((r) => r.status === 409)!;
      expect(refused.body.error.code).toBe('webhook_endpoint_limit');
      expect(refused.body.error.message).toContain('3');
      expect((await user.get(`/api/apps/${app.id}/webhooks`)).body.items).toHaveLength(3);
      // Another app has its own allowance; a deleted endpoint frees a place.
      const other = (await user.post('/api/apps', { name: 'other' })).body;
      expect(
        (
          await user.post(`/api/apps/${other.id}/webhooks`, {
            url: `${receiverUrl}/ok`,
            events: ['room.joined'],
          })
        ).status,
      ).toBe(201);
      const first = (await user.get(`/api/apps/${app.id}/webhooks`)).body.items[0];
      expect((await user.delete(`/api/apps/${app.id}/webhooks/${first.id}`)).status).toBe(204);
      expect((await create()).status).toBe(201);
    } finally {
      await capped.close();
    }
  });
});
