import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayBoxRest, verifyWebhook } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from '../../../dashboard/test/api-harness.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { RunningGateway } from '../src/start-gateway.js';
import { startWorker } from '../src/worker.js';
import { refusedUpgrade, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// End to end with the REAL control plane (dashboard/api on a fresh PostgreSQL database): keys are
// created, revoked and rotated through its browser API; two cloud-mode gateways (real Redis and
// RabbitMQ) resolve them over its internal API and get revocations pushed over its event stream.
const ALL_OPS = ['subscribe', 'publish', 'presence', 'history', 'metrics'];
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
const gws: RunningGateway[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  const shared = { exchange: uniqueName('test.cloud'), redisPrefix: `${uniqueName('test')}:` };
  for (let i = 0; i < 2; i++) {
    gws.push(
      await startTestGateway({
        broker: 'amqp',
        store: 'redis',
        ...shared,
        env: cloudEnv(),
      }),
    );
  }
});

const cloudEnv = () => ({
  RELAYBOX_KEY_SOURCE: 'cloud',
  RELAYBOX_CONTROL_PLANE_URL: cp.url,
  RELAYBOX_CONTROL_PLANE_TOKEN: cp.serviceToken,
  // The receivers listen on loopback, which cloud mode refuses by default (SSRF guard).
  RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
});

/** A webhook receiver on a random port that records every delivery and answers 204. */
async function startReceiver() {
  const deliveries: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  return { deliveries, url, close: () => receiver.close() };
}
afterAll(async () => {
  await Promise.allSettled(gws.map((g) => g.shutdown()));
  await cp?.close();
  await db?.drop();
});

async function createApp(): Promise<string> {
  const reply = await browser.post('/api/apps', { name: uniqueName('app') });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function createKey(appId: string): Promise<{ keyId: string; apiKey: string }> {
  const reply = await browser.post(`/api/apps/${appId}/keys`, {
    name: 'test key',
    permissions: { '*': ALL_OPS },
  });
  expect(reply.status).toBe(201);
  return { keyId: reply.body.key.id as string, apiKey: reply.body.apiKey as string };
}

async function accepted(gw: RunningGateway, apiKey: string): Promise<boolean> {
  try {
    const c = await TestClient.connect(wsUrl(gw), { apiKey });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

/** Polls (bounded) until a new connection with `apiKey` is refused on every gateway; the delay in ms. */
async function refusedEverywhere(apiKey: string, since: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const results = await Promise.all(gws.map((gw) => accepted(gw, apiKey)));
    if (results.every((ok) => !ok)) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the key was still accepted after 200 attempts');
}

describe('cloud-mode gateways with the real control plane', () => {
  it('a key created in the control plane works: token from @relaybox/rest, connect, publish across gateways', async () => {
    const appId = await createApp();
    const { apiKey } = await createKey(appId);
    const rest = new RelayBoxRest({ apiKey, url: gws[1]!.url });
    const { token } = await rest.createToken({ clientId: 'cloud-user' });
    const client = await TestClient.connect(wsUrl(gws[0]!), { token });
    expect(client.connected.clientId).toBe('cloud-user');
    await client.joinAndSubscribe('chat:lobby');
    const ack = await rest.publish('chat:lobby', 'greeting', { text: 'hello' });
    expect(ack.seq).toBe(1);
    await client.waitForMessages('chat:lobby', 1);
    expect(client.messages('chat:lobby')[0]).toMatchObject({ data: { text: 'hello' } });
    await client.close();
    const keys = await browser.get(`/api/apps/${appId}/keys`);
    expect(keys.body.items[0].lastUsedAt).not.toBeNull();
  });

  it('revoking in the control plane refuses new connections on every gateway within 5 s and closes open ones', async () => {
    const appId = await createApp();
    const { keyId, apiKey } = await createKey(appId);
    const open = await TestClient.connect(wsUrl(gws[1]!), { apiKey });
    const revoked = await browser.post(`/api/apps/${appId}/keys/${keyId}/revoke`);
    expect(revoked.status).toBe(200);
    const delay = await refusedEverywhere(apiKey, Date.now());
    console.log(`[cloud] revoke → new connections refused on both gateways after ${delay} ms`);
    expect(delay).toBeLessThan(5000);
    expect(await open.closed).toMatchObject({ code: 4100 });
    expect(await refusedUpgrade(wsUrl(gws[0]!), { apiKey })).toMatchObject({
      status: 401,
      body: { error: { code: 'key_unknown' } },
    });
    const res = await fetch(`${gws[0]!.url}/v1/rooms/r/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'e', data: 1 }),
    });
    expect(res.status).toBe(401);
  });

  it('rotating refuses the old secret and accepts the new one', async () => {
    const appId = await createApp();
    const { keyId, apiKey: oldKey } = await createKey(appId);
    for (const gw of gws) expect(await accepted(gw, oldKey)).toBe(true);
    const rotated = await browser.post(`/api/apps/${appId}/keys/${keyId}/rotate`);
    expect(rotated.status).toBe(200);
    const newKey = rotated.body.apiKey as string;
    const delay = await refusedEverywhere(oldKey, Date.now());
    console.log(`[cloud] rotate → old secret refused on both gateways after ${delay} ms`);
    expect(await refusedUpgrade(wsUrl(gws[1]!), { apiKey: oldKey })).toMatchObject({
      status: 401,
      body: { error: { code: 'api_key_invalid' } },
    });
    for (const gw of gws) expect(await accepted(gw, newKey)).toBe(true);
  });

  it('reports per-app usage to the control plane (the last period is flushed on shutdown)', async () => {
    const appId = await createApp();
    const { apiKey } = await createKey(appId);
    const gw = await startTestGateway({ env: cloudEnv() });
    try {
      const client = await TestClient.connect(wsUrl(gw), { apiKey });
      await client.ok({ type: 'join', room: 'usage' });
      for (let i = 0; i < 3; i++) await client.ok({ type: 'publish', room: 'usage', event: 'e', data: i });
      await client.close();
    } finally {
      await gw.shutdown();
    }
    const usage = await browser.get(`/api/apps/${appId}/usage?days=1`);
    expect(usage.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.body.items).toContainEqual(
      expect.objectContaining({ day: today, connections: 1, messages: 3 }),
    );
  });

  it("sends an app's events to the webhook endpoints configured in the control plane, never another app's", async () => {
    const { deliveries, url, close } = await startReceiver();
    try {
      const [hooked, other] = [await createApp(), await createApp()];
      const created = await browser.post(`/api/apps/${hooked}/webhooks`, {
        url,
        events: ['connection.opened', 'message.published'],
      });
      expect(created.status).toBe(201);
      const secret = created.body.secret as string;
      const otherKey = (await createKey(other)).apiKey;
      const b = await TestClient.connect(wsUrl(gws[0]!), { apiKey: otherKey, clientId: 'other-app-client' });
      await b.ok({ type: 'join', room: 'same:room' });
      await b.ok({ type: 'publish', room: 'same:room', event: 'e', data: 'other-app-data' });
      const a = await TestClient.connect(wsUrl(gws[1]!), {
        apiKey: (await createKey(hooked)).apiKey,
        clientId: 'hooked-client',
      });
      await a.ok({ type: 'join', room: 'same:room' });
      await a.ok({ type: 'publish', room: 'same:room', event: 'e', data: 'hooked-data' });
      await Promise.all([a.close(), b.close()]);
      for (let i = 0; i < 500 && !deliveries.some((d) => d.body.includes('hooked-data')); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const types = deliveries.map((d) => (JSON.parse(d.body) as { type: string }).type);
      expect(types).toEqual(expect.arrayContaining(['connection.opened', 'message.published']));
      for (const d of deliveries) {
        expect(d.body).not.toContain('other-app');
        expect(() =>
          verifyWebhook({ body: d.body, headers: d.headers as Record<string, string>, secret }),
        ).not.toThrow();
      }
    } finally {
      close();
    }
  });

  it('a separate `worker webhook` process (RELAYBOX_WORKERS=none) delivers to the control plane endpoints', async () => {
    const { deliveries, url, close } = await startReceiver();
    const appId = await createApp();
    const created = await browser.post(`/api/apps/${appId}/webhooks`, { url, events: ['connection.opened'] });
    expect(created.status).toBe(201);
    const env = {
      ...cloudEnv(),
      RELAYBOX_STORE: 'redis',
      RELAYBOX_REDIS_PREFIX: `${uniqueName('test')}:`,
      RELAYBOX_LOG_LEVEL: 'silent',
    };
    const gw = await startTestGateway({
      store: 'redis',
      redisPrefix: env.RELAYBOX_REDIS_PREFIX,
      env: { ...env, RELAYBOX_WORKERS: 'none' },
    });
    const worker = await startWorker(loadConfig(env), ['webhook'], createLogger('silent'));
    try {
      const client = await TestClient.connect(wsUrl(gw), {
        apiKey: (await createKey(appId)).apiKey,
        clientId: 'worker-hooked',
      });
      await client.close();
      for (let i = 0; i < 500 && !deliveries.some((d) => d.body.includes('worker-hooked')); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const delivery = deliveries.find((d) => d.body.includes('worker-hooked'));
      expect(delivery).toBeDefined();
      const secret = created.body.secret as string;
      expect(() =>
        verifyWebhook({ body: delivery!.body, headers: delivery!.headers as Record<string, string>, secret }),
      ).not.toThrow();
    } finally {
      await Promise.allSettled([worker.shutdown(), gw.shutdown()]);
      close();
    }
  });

  it("applies the app's history retention from its settings in the control plane", async () => {
    const appId = await createApp();
    const patched = await browser.patch(`/api/apps/${appId}`, { settings: { historyMaxMessages: 3 } });
    expect(patched.status).toBe(200);
    const { apiKey } = await createKey(appId);
    const client = await TestClient.connect(wsUrl(gws[0]!), { apiKey });
    await client.ok({ type: 'join', room: 'kept' });
    for (let i = 0; i < 6; i++) await client.ok({ type: 'publish', room: 'kept', event: 'e', data: i });
    const page = (await client.ok({ type: 'history', room: 'kept', query: { direction: 'forwards' } }))
      .result as { items: Array<{ data: number }> };
    expect(page.items.map((m) => m.data)).toEqual([3, 4, 5]);
    await client.close();
  });

  it("deleting an app refuses its keys and never touches another app's", async () => {
    const [gone, kept] = [await createApp(), await createApp()];
    const goneKey = (await createKey(gone)).apiKey;
    const keptKey = (await createKey(kept)).apiKey;
    for (const key of [goneKey, keptKey]) expect(await accepted(gws[0]!, key)).toBe(true);
    expect((await browser.delete(`/api/apps/${gone}`)).status).toBe(204);
    await refusedEverywhere(goneKey, Date.now());
    for (const gw of gws) expect(await accepted(gw, keptKey)).toBe(true);
  });
});
