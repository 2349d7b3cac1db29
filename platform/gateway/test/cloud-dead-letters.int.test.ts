import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEAD_LETTER_LIMIT, MemoryDeadLetterList } from '@relaybox/workers';
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
import { reportedDeadLetters } from '../src/webhook-setup.js';
import { type RunningWorker, startWorker } from '../src/worker.js';
import { eventually } from './admin-client.js';
import { startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// The dashboard's dead-letter list and requeue of cloud apps, end to end: the REAL control plane
// (fresh PostgreSQL), two cloud-mode gateways that only enqueue and a separate webhook worker, all on
// one real Redis. A rejected delivery dead-letters; the worker reports it and the dashboard lists it;
// a requeue from the dashboard is pushed to both gateways, exactly one takes the letter off the
// shared list and queues it, the endpoint (now answering 204) gets the event once more, and the
// dashboard's list empties while its delivery log shows the new try.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
let receiver: Server;
let receiverUrl: string;
let answer = 410;
const received: Array<{ eventId: string; status: number }> = [];
const gateways: RunningGateway[] = [];
const gatewayLogs: string[][] = [];
let worker: RunningWorker;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ eventId: String(req.headers['x-relaybox-event-id']), status: answer });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const env = {
    RELAYBOX_KEY_SOURCE: 'cloud',
    RELAYBOX_CONTROL_PLANE_URL: cp.url,
    RELAYBOX_CONTROL_PLANE_TOKEN: cp.serviceToken,
    RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS: '1',
    RELAYBOX_WEBHOOK_BASE_DELAY_MS: '10',
    RELAYBOX_STORE: 'redis',
    RELAYBOX_REDIS_PREFIX: `${uniqueName('test')}:`,
    RELAYBOX_LOG_LEVEL: 'silent',
  };
  for (let i = 0; i < 2; i++) {
    const lines: string[] = [];
    gatewayLogs.push(lines);
    gateways.push(
      await startTestGateway({
        store: 'redis',
        redisPrefix: env.RELAYBOX_REDIS_PREFIX,
        env: { ...env, RELAYBOX_WORKERS: 'none' },
        overrides: { log: createLogger('info', {}, { write: (line) => void lines.push(line) }) },
      }),
    );
  }
  worker = await startWorker(loadConfig(env), ['webhook'], createLogger('silent'));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([worker?.shutdown(), ...gateways.map((g) => g.shutdown())]);
  receiver?.close();
  await cp?.close();
  await db?.drop();
});

const logged = (lines: string[], message: string) => lines.filter((l) => l.includes(`"msg":"${message}"`));

describe('dashboard dead letters of a cloud app', () => {
  it('lists a dead letter reported by the worker; requeue delivers it exactly once and empties the list', {
    timeout: 60_000,
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
    const webhookId = hook.body.webhook.id as string;
    // Both gateways hear the control plane's pushes before the requeue is asked.
    await eventually(
      async () => gatewayLogs.map((lines) => logged(lines, 'control plane key events connected').length),
      (counts) => counts.every((n) => n > 0),
    );

    // A 410 is not retried: the event goes to the dead-letter list on its first try.
    const client = await TestClient.connect(wsUrl(gateways[0]!), {
      apiKey: key.body.apiKey as string,
      clientId: 'dead',
    });
    await client.ok({ type: 'join', room: 'hooked:dead' });
    await client.close();
    const list = await eventually(
      async () => (await browser.get(`/api/apps/${appId}/webhooks/dead-letters`)).body,
      (body: { items: unknown[] }) => body.items.length === 1,
      20_000,
    );
    const eventId = received[0]?.eventId;
    expect(eventId).toMatch(/^evt_/);
    expect(list).toEqual({
      items: [
        {
          endpointId: webhookId,
          eventId,
          type: 'room.joined',
          attempts: 1,
          reason: 'rejected',
          lastStatus: 410,
          lastError: null,
          failedAt: expect.any(String),
        },
      ],
      next: null,
    });

    answer = 204;
    const requeued = await browser.post(
      `/api/apps/${appId}/webhooks/${webhookId}/dead-letters/${eventId}/requeue`,
    );
    expect(requeued.status).toBe(200);
    expect(requeued.body.requeued).toMatchObject({ endpointId: webhookId, eventId });
    expect((await browser.get(`/api/apps/${appId}/webhooks/dead-letters`)).body.items).toEqual([]);

    await eventually(
      async () => received.filter((r) => r.eventId === eventId && r.status === 204).length,
      (n) => n >= 1,
      20_000,
    );
    // Both gateways ran the push: one queued the event, the other found no letter to take.
    const requeuers = gatewayLogs.map(
      (lines) => logged(lines, 'requeued a dead letter for the dashboard').length,
    );
    expect(requeuers.sort()).toEqual([0, 1]);
    // A later event of the same endpoint is delivered after any duplicate would have been.
    const later = await TestClient.connect(wsUrl(gateways[1]!), {
      apiKey: key.body.apiKey as string,
      clientId: 'later',
    });
    await later.ok({ type: 'join', room: 'hooked:later' });
    await later.close();
    await eventually(
      async () => received.filter((r) => r.eventId !== eventId).length,
      (n) => n >= 1,
      20_000,
    );
    expect(received.filter((r) => r.eventId === eventId).map((r) => r.status)).toEqual([410, 204]);

    const log = await eventually(
      async () => (await browser.get(`/api/apps/${appId}/webhooks/${webhookId}/deliveries`)).body.items,
      (items: Array<{ eventId: string }>) => items.filter((d) => d.eventId === eventId).length === 2,
      20_000,
    );
    expect(log.filter((d: { eventId: string }) => d.eventId === eventId)).toEqual([
      expect.objectContaining({ kind: 'delivery', eventId, attempt: 1, status: 204, ok: true }),
      expect.objectContaining({ kind: 'delivery', eventId, attempt: 1, status: 410, ok: false }),
    ]);
    // The gateway's removal report arrives too and changes nothing more.
    expect((await browser.get(`/api/apps/${appId}/webhooks/dead-letters`)).body.items).toEqual([]);
  });

  it("a letter the gateways' list drops past its bound (1,000 per app) leaves the dashboard too", {
    timeout: 60_000,
  }, async () => {
    const appId = (await browser.post('/api/apps', { name: uniqueName('app') })).body.id as string;
    const endpoints: string[] = [];
    for (const path of ['a', 'b']) {
      const hook = await browser.post(`/api/apps/${appId}/webhooks`, {
        url: `${receiverUrl}/${path}`,
        events: ['room.joined'],
      });
      endpoints.push(hook.body.webhook.id as string);
    }
    // Two endpoints share the app's list: each stays below the dashboard's own bound per endpoint,
    // so only the reported expiry can remove the oldest letter from the dashboard.
    const list = reportedDeadLetters(
      { controlPlane: { url: cp.url, token: cp.serviceToken } },
      new MemoryDeadLetterList(),
    );
    for (let i = 0; i <= DEAD_LETTER_LIMIT; i++) {
      await list.add({
        appId,
        endpointId: endpoints[i % 2]!,
        event: { id: `evt_${i}`, type: 'room.joined', createdAt: i, data: {} } as never,
        attempts: 1,
        reason: 'rejected',
        lastStatus: 410,
        failedAt: 1_000 + i,
      });
    }
    await list.close?.();
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ eventId: string }>; next: string | null } } = await browser.get(
        `/api/apps/${appId}/webhooks/dead-letters?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const l of page.body.items) ids.add(l.eventId);
      cursor = page.body.next;
    } while (cursor);
    expect(ids.size).toBe(DEAD_LETTER_LIMIT);
    expect(ids.has('evt_0')).toBe(false);
    expect(ids.has(`evt_${DEAD_LETTER_LIMIT}`)).toBe(true);
  });
});
