import { API_KEY_PROTOCOL_PREFIX, PROTOCOL } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  BrowserClient,
  createTestDatabase,
  openKeyEventStream,
  type RunningControlPlane,
  startControlPlane,
} from '../../../dashboard/test/api-harness.js';
import type { RunningGateway } from '../src/start-gateway.js';
import { startTestGateway, uniqueName, wsUrl } from './harness.js';

// App settings edited in the REAL control plane (dashboard/api on a fresh PostgreSQL database) are
// pushed to a cloud-mode gateway (real Redis and RabbitMQ) as `app-updated` on the key event stream:
// the gateway drops the app's cached config (otherwise kept 30 s), so new connections get the new
// settings within a few seconds.
const ALL_OPS = ['subscribe', 'publish', 'presence', 'history', 'metrics'];
const PUSH_BOUND_MS = 5000;
const POLL_MS = 100;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let gw: RunningGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  gw = await startTestGateway({
    broker: 'amqp',
    store: 'redis',
    exchange: uniqueName('test.settingspush'),
    // The poll below opens up to 50 connections from 127.0.0.1.
    limits: { connectionRatePerSecond: 1000, connectionBurst: 1000 },
    env: {
      RELAYBOX_KEY_SOURCE: 'cloud',
      RELAYBOX_CONTROL_PLANE_URL: cp.url,
      RELAYBOX_CONTROL_PLANE_TOKEN: cp.serviceToken,
    },
  });
});

afterAll(async () => {
  await gw?.shutdown();
  await cp?.close();
  await db?.drop();
});

async function newApp(): Promise<{ appId: string; apiKey: string }> {
  const created = await browser.post('/api/apps', { name: uniqueName('app') });
  expect(created.status).toBe(201);
  const appId = created.body.id as string;
  const key = await browser.post(`/api/apps/${appId}/keys`, { name: 'k', permissions: { '*': ALL_OPS } });
  expect(key.status).toBe(201);
  return { appId, apiKey: key.body.apiKey as string };
}

/** One upgrade with this Origin: 'open' (then closed at once) or the refusal's error code. */
function probe(apiKey: string, origin: string): Promise<string> {
  const protocols = [PROTOCOL, API_KEY_PROTOCOL_PREFIX + Buffer.from(apiKey).toString('base64url')];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(gw), protocols, { headers: { origin } });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no answer to the upgrade within 2 s'));
    }, 2000);
    ws.once('open', () => {
      clearTimeout(timer);
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(`${res.statusCode} ${JSON.parse(text).error?.code}`);
      });
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe('cloud-mode gateway gets pushed app settings (app-updated)', () => {
  it('a PATCHed allowedOrigins refuses new connections within 5 s (not after the 30 s cache)', async () => {
    const { appId, apiKey } = await newApp();
    // First connection: the gateway fetches and caches the app's config (no origin restriction).
    expect(await probe(apiKey, 'https://before.example')).toBe('open');
    const started = Date.now();
    const restricted = await browser.patch(`/api/apps/${appId}`, {
      settings: { allowedOrigins: ['https://only.example'] },
    });
    expect(restricted.status).toBe(200);
    let outcome = 'open';
    let delay = -1;
    for (let i = 0; i < PUSH_BOUND_MS / POLL_MS && Date.now() - started <= PUSH_BOUND_MS; i++) {
      outcome = await probe(apiKey, 'https://before.example');
      if (outcome !== 'open') {
        delay = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    console.log(`[settings push] allowedOrigins applied to new connections ${delay} ms after the PATCH`);
    expect(outcome).toBe('403 origin_not_allowed');
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(PUSH_BOUND_MS);
    expect(await probe(apiKey, 'https://only.example')).toBe('open');
  });

  it('the control plane emits app-updated on settings PATCH and webhook create/delete', async () => {
    const { appId } = await newApp();
    const stream = await openKeyEventStream(cp);
    try {
      await stream.next((e) => e.event === 'ready');
      const isUpdate = (e: { event: string; data: unknown }) =>
        e.event === 'app-updated' && (e.data as { appId?: string }).appId === appId;
      expect(
        (await browser.patch(`/api/apps/${appId}`, { settings: { historyMaxMessages: 50 } })).status,
      ).toBe(200);
      await stream.next(isUpdate);
      const hook = await browser.post(`/api/apps/${appId}/webhooks`, {
        url: 'https://hooks.example.com/relaybox',
        events: ['message.published'],
      });
      expect(hook.status).toBe(201);
      expect((await browser.delete(`/api/apps/${appId}/webhooks/${hook.body.webhook.id}`)).status).toBe(204);
      await expect.poll(() => stream.events.filter(isUpdate).length, { timeout: 5000 }).toBe(3);
    } finally {
      stream.close();
    }
  });
});
