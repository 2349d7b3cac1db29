import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from '../../../dashboard/test/api-harness.js';
import type { RunningGateway } from '../src/start-gateway.js';
import { refusedUpgrade, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// An app's settings edited in the REAL control plane (dashboard/api on a fresh PostgreSQL database)
// are applied by a cloud-mode gateway (real Redis and RabbitMQ): allowed origins at the upgrade, and
// the per-app limits. Each test sets the settings before the app's first connection, so the gateway's
// first fetch of the app config (cached 30 s) already has them.
const ALL_OPS = ['subscribe', 'publish', 'presence', 'history', 'metrics'];
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let gw: RunningGateway;
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  gw = await startTestGateway({
    broker: 'amqp',
    store: 'redis',
    exchange: uniqueName('test.cloudsettings'),
    env: {
      RELAYBOX_KEY_SOURCE: 'cloud',
      RELAYBOX_CONTROL_PLANE_URL: cp.url,
      RELAYBOX_CONTROL_PLANE_TOKEN: cp.serviceToken,
    },
  });
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.shutdown();
  await cp?.close();
  await db?.drop();
});

/** A new app with `settings` patched through the browser API (CSRF header included), and a key. */
async function appWithSettings(settings: Record<string, unknown>): Promise<string> {
  const created = await browser.post('/api/apps', { name: uniqueName('app') });
  expect(created.status).toBe(201);
  const appId = created.body.id as string;
  const patched = await browser.patch(`/api/apps/${appId}`, { settings });
  expect(patched.status).toBe(200);
  expect(patched.body.settings).toMatchObject(settings);
  const key = await browser.post(`/api/apps/${appId}/keys`, { name: 'k', permissions: { '*': ALL_OPS } });
  expect(key.status).toBe(201);
  return key.body.apiKey as string;
}

async function connect(apiKey: string, headers?: Record<string, string>): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl(gw), headers ? { apiKey, headers } : { apiKey });
  clients.push(client);
  return client;
}

describe('cloud-mode gateway applies the app settings of the real control plane', () => {
  it('allowedOrigins: a foreign Origin is refused 403 origin_not_allowed; a listed one and none connect', async () => {
    const apiKey = await appWithSettings({
      allowedOrigins: ['https://app.example.com', 'https://*.shop.example'],
    });
    const foreign = await refusedUpgrade(wsUrl(gw), { apiKey, headers: { origin: 'https://evil.example' } });
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: 'origin_not_allowed' } } });
    const lookalike = await refusedUpgrade(wsUrl(gw), {
      apiKey,
      headers: { origin: 'https://app.example.com.evil.example' },
    });
    expect(lookalike.body.error.code).toBe('origin_not_allowed');
    expect((await connect(apiKey, { origin: 'https://app.example.com' })).connected.clientId).toBeTruthy();
    expect((await connect(apiKey, { origin: 'https://eu.shop.example' })).connected).toBeTruthy();
    expect((await connect(apiKey)).connected).toBeTruthy();
  });

  it('an app without allowedOrigins accepts any Origin', async () => {
    const apiKey = await appWithSettings({ allowedOrigins: [] });
    expect((await connect(apiKey, { origin: 'https://anywhere.example' })).connected).toBeTruthy();
  });

  it('limits.maxConnections: the third connection of the app is refused with app_connection_limit', async () => {
    const apiKey = await appWithSettings({ limits: { maxConnections: 2 } });
    const first = await connect(apiKey);
    await connect(apiKey);
    const refused = await refusedUpgrade(wsUrl(gw), { apiKey });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'app_connection_limit' } } });
    // Another app on the same gateway is not limited by it.
    const other = await appWithSettings({ limits: { maxConnections: 5 } });
    for (let i = 0; i < 3; i++) await connect(other);
    // A closed connection frees its place (once the gateway has seen the close: bounded retries).
    await first.close();
    let reconnected: TestClient | undefined;
    for (let i = 0; i < 50 && !reconnected; i++) {
      reconnected = await connect(apiKey).catch(() => undefined);
      if (!reconnected) await new Promise((r) => setTimeout(r, 20));
    }
    expect(reconnected?.connected).toBeTruthy();
  });

  it('limits.maxRoomsPerConnection: the second join is refused with room_limit_exceeded', async () => {
    const apiKey = await appWithSettings({ limits: { maxRoomsPerConnection: 1 } });
    const client = await connect(apiKey);
    expect(client.connected).toMatchObject({ limits: { maxRoomsPerConnection: 1 } });
    await client.ok({ type: 'join', room: 'one' });
    expect(await client.request({ type: 'join', room: 'two' })).toMatchObject({
      type: 'error',
      error: { code: 'room_limit_exceeded' },
    });
  });

  it('limits.publishRatePerSec: a publish burst past the bucket gets rate_limited', async () => {
    const apiKey = await appWithSettings({ limits: { publishRatePerSec: 1 } });
    const client = await connect(apiKey);
    await client.ok({ type: 'join', room: 'r' });
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client.request({ type: 'publish', room: 'r', event: 'e', data: i }),
      ),
    );
    const limited = replies.filter((r) => r.type === 'error' && r.error.code === 'rate_limited');
    const accepted = replies.filter((r) => r.type === 'ack');
    // Burst = 2 × rate (the gateway's default ratio); a token or so may come back during the burst.
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(accepted.length).toBeLessThanOrEqual(4);
    expect(limited.length).toBe(10 - accepted.length);
  });
});
