import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from '../../../dashboard/test/api-harness.js';
import type { RunningGateway } from '../src/start-gateway.js';
import { eventually, http } from './admin-client.js';
import { startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// The dashboard's delivery log shows real deliveries: a cloud-mode gateway (real Redis) delivers an
// app's events to an endpoint created in the REAL control plane (fresh PostgreSQL), and reports
// every try; the dashboard API lists them beside "send test event" calls.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let gw: RunningGateway;
let receiver: Server;
let receiverUrl: string;
let answers: number[] = [];
const received: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['x-relaybox-event-id']));
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  gw = await startTestGateway({
    store: 'redis',
    env: {
      RELAYBOX_KEY_SOURCE: 'cloud',
      RELAYBOX_CONTROL_PLANE_URL: cp.url,
      RELAYBOX_CONTROL_PLANE_TOKEN: cp.serviceToken,
      RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
      RELAYBOX_WEBHOOK_BASE_DELAY_MS: '10',
    },
  });
});
afterAll(async () => {
  await gw?.shutdown();
  receiver?.close();
  await cp?.close();
  await db?.drop();
});

describe('dashboard delivery log', () => {
  it('lists the real tries of an endpoint (event id, try, status), not only test sends', {
    timeout: 30_000,
  }, async () => {
    const appId = (await browser.post('/api/apps', { name: uniqueName('app') })).body.id as string;
    const key = await browser.post(`/api/apps/${appId}/keys`, {
      name: 'k',
      permissions: { '*': ['subscribe', 'publish', 'presence', 'history', 'metrics'] },
    });
    const hook = await browser.post(`/api/apps/${appId}/webhooks`, {
      url: receiverUrl,
      events: ['room.joined'],
    });
    expect(hook.status).toBe(201);
    const webhookId = hook.body.webhook.id as string;
    await browser.post(`/api/apps/${appId}/webhooks/${webhookId}/test`, {});

    answers = [503];
    const client = await TestClient.connect(wsUrl(gw), { apiKey: key.body.apiKey as string, clientId: 'c' });
    await client.ok({ type: 'join', room: 'hooked:room' });
    await client.close();

    const log = await eventually(
      async () => (await browser.get(`/api/apps/${appId}/webhooks/${webhookId}/deliveries`)).body.items,
      (items: Array<{ kind: string }>) => items.filter((d) => d.kind === 'delivery').length >= 2,
      20_000,
    );
    const real = log.filter((d: { kind: string }) => d.kind === 'delivery');
    const eventId = received.find((id) => id.startsWith('evt_') && !id.startsWith('evt_test_'));
    expect(real).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'room.joined',
          eventId,
          attempt: 1,
          status: 503,
          ok: false,
          error: 'HTTP 503',
        }),
        expect.objectContaining({
          event: 'room.joined',
          eventId,
          attempt: 2,
          status: 204,
          ok: true,
          error: null,
        }),
      ]),
    );
    expect(log.filter((d: { kind: string }) => d.kind === 'test')).toHaveLength(1);
  });

  it('the internal route stores only tries of an endpoint of the named app, and bounds a report', async () => {
    const auth = { authorization: `Bearer ${cp.serviceToken}` };
    const url = new URL(cp.url);
    const post = (body: unknown) =>
      fetch(`${url.origin}/internal/v1/webhooks/deliveries`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const item = {
      appId: 'app_nope',
      endpointId: 'wh_nope',
      eventId: 'evt_1',
      type: 'room.joined',
      attempt: 1,
      latencyMs: 1,
      at: 1,
    };
    const stranger = await post({ items: [item] });
    expect(stranger.status).toBe(200);
    expect(await stranger.json()).toEqual({ stored: 0 });
    const tooMany = await post({ items: Array.from({ length: 1001 }, () => item) });
    expect(tooMany.status).toBe(400);
    const unauthenticated = await http(Number(url.port), '/internal/v1/webhooks/deliveries', {
      method: 'POST',
      body: { items: [] },
    });
    expect(unauthenticated.status).toBe(401);
  });
});
