import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, BETA, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// Webhooks end to end: gateway events → BullMQ (real Redis) → a real HTTP receiver.
const SECRET = 'webhook-secret-for-tests-0001';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

let gw: RunningGateway;
let receiver: Server;
const deliveries: Delivery[] = [];
let failuresLeft = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end('try later');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  gw = await startTestGateway({
    store: 'redis',
    env: { RELAYBOX_WEBHOOK_BASE_DELAY_MS: '50', RELAYBOX_PRESENCE_GRACE_MS: '300' },
    webhooks: [
      {
        id: 'all',
        url,
        secret: SECRET,
        events: [
          'connection.opened',
          'connection.closed',
          'room.joined',
          'room.left',
          'presence.enter',
          'message.published',
        ],
        rooms: ['hooked:>'],
      },
    ],
  });
});
afterAll(async () => {
  await gw.shutdown();
  receiver.close();
});

/** Events the app saw, deduplicated by the idempotency id header, as a receiver should. */
function eventsOnce(): Array<{ type: string; data: Record<string, unknown> }> {
  const seen = new Map<string, { type: string; data: Record<string, unknown> }>();
  for (const d of deliveries) {
    const id = d.headers['x-relaybox-event-id'] as string;
    if (!seen.has(id)) seen.set(id, JSON.parse(d.body));
  }
  return [...seen.values()];
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; deliveries: ${deliveries.length}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhooks', () => {
  it('delivers connection, room, presence and opted-in message events, signed', async () => {
    const room = `hooked:${uniqueName('r')}`;
    const client = await TestClient.connect(wsUrl(gw), {
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'hooked-client',
    });
    await client.ok({ type: 'join', room });
    await client.ok({ type: 'presence', room, action: 'enter', data: { mood: 'ok' } });
    const ack = await client.ok({ type: 'publish', room, event: 'chat', data: { text: 'hi' } });
    await client.ok({ type: 'join', room: 'not-hooked' });
    await client.ok({ type: 'publish', room: 'not-hooked', event: 'chat', data: 'ignored' });
    await client.ok({ type: 'leave', room });
    await client.close();
    await until(() => eventsOnce().some((e) => e.type === 'connection.closed'));
    const events = eventsOnce().filter((e) => e.data.clientId === 'hooked-client' || e.data.room === room);
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'connection.opened',
        'room.joined',
        'presence.enter',
        'message.published',
        'room.left',
        'connection.closed',
      ]),
    );
    const published = events.filter((e) => e.type === 'message.published');
    expect(published).toHaveLength(1); // 'not-hooked' is not in the endpoint's room patterns
    expect(published[0]!.data).toMatchObject({
      room,
      event: 'chat',
      data: { text: 'hi' },
      ...(ack.result as object),
    });
    for (const d of deliveries) {
      expect(() =>
        verifyWebhook({ body: d.body, headers: d.headers as Record<string, string>, secret: SECRET }),
      ).not.toThrow();
    }
  });

  it('retries a failing receiver until it succeeds; deduped by event id the app sees the event once', async () => {
    deliveries.length = 0;
    failuresLeft = 3;
    const client = await TestClient.connect(wsUrl(gw), {
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'retry-client',
    });
    await until(() => deliveries.filter((d) => d.body.includes('retry-client')).length >= 4);
    const tries = deliveries.filter((d) => d.body.includes('retry-client'));
    expect(new Set(tries.map((d) => d.headers['x-relaybox-event-id'])).size).toBe(1);
    expect(tries.map((d) => d.headers['x-relaybox-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(eventsOnce().filter((e) => e.data.clientId === 'retry-client')).toHaveLength(1);
    await client.close();
  });

  it('sends nothing for an app without endpoints', async () => {
    deliveries.length = 0;
    const other = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(BETA), clientId: 'beta-client' });
    await other.ok({ type: 'join', room: 'hooked:x' });
    await other.close();
    await new Promise((r) => setTimeout(r, 400));
    expect(deliveries.filter((d) => d.body.includes('beta-client'))).toEqual([]);
  });
});
