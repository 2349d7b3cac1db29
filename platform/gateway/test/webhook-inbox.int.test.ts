import type { AdminDeadLetter, AdminDeliveryAttempt, AdminInboxDelivery } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { eventually, http } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// The webhook inbox and the admin webhook routes against a real gateway, real Redis (queue, delivery
// log, dead letters, inbox) and the real delivery worker posting over HTTP to the gateway itself.
const TOKEN = 'webhook-inbox-admin-token-0001';
let gw: RunningGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    store: 'redis',
    env: { RELAYBOX_ADMIN_TOKEN: TOKEN, RELAYBOX_TRACING: 'on', RELAYBOX_WEBHOOK_BASE_DELAY_MS: '1' },
  });
});
afterAll(() => gw.shutdown());

const auth = { authorization: `Bearer ${TOKEN}` };
const admin = (path: string, method = 'GET', body?: unknown) =>
  http(gw.port, `/v1/admin${path}`, { method, headers: auth, ...(body === undefined ? {} : { body }) });

async function inboxRequests(id: string): Promise<AdminInboxDelivery[]> {
  return (await admin(`/webhooks/inbox/${id}/deliveries`)).body.items;
}

/** Connects, joins `room` (a `room.joined` event), leaves. */
async function joinOnce(room: string): Promise<void> {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'hooked' });
  await client.ok({ type: 'join', room });
  await client.close();
}

describe('webhook inbox', () => {
  it('receives a delivery with a verified signature; replay delivers it again under the same event id', {
    timeout: 30_000,
  }, async () => {
    const registered = await admin('/webhooks/inbox', 'POST', { appId: 'alpha', events: ['room.joined'] });
    expect(registered.status).toBe(201);
    const inbox = registered.body;
    expect(inbox.url).toBe(`http://127.0.0.1:${gw.port}/v1/dev/inbox/${inbox.id}`);
    expect(JSON.stringify(inbox)).not.toContain('whsec_');
    const endpoints = (await admin('/webhooks?appId=alpha')).body.items;
    expect(endpoints).toContainEqual(expect.objectContaining({ id: inbox.endpointId, inboxId: inbox.id }));

    const room = uniqueName('inboxed');
    await joinOnce(room);
    const [first] = await eventually(
      () => inboxRequests(inbox.id),
      (items) => items.some((d) => d.body.includes(room)),
    );
    expect(first).toMatchObject({ verified: true, eventType: 'room.joined', attempt: 1, status: 200 });
    expect(JSON.parse(first?.body ?? '').data.room).toBe(room);
    expect(first?.headers['x-relaybox-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const replay = await admin(`/webhooks/inbox/${inbox.id}/replay`, 'POST', { deliveryId: first?.id });
    expect(replay.status).toBe(202);
    expect(replay.body.eventId).toBe(first?.eventId);
    const both = await eventually(
      () => inboxRequests(inbox.id),
      (items) => items.filter((d) => d.eventId === first?.eventId).length === 2,
    );
    const again = both.find((d) => d.eventId === first?.eventId && d.id !== first?.id);
    expect(again).toMatchObject({ verified: true, eventType: 'room.joined' });
    expect(JSON.parse(again?.body ?? '').id).toBe(first?.eventId);

    // The endpoint's delivery log holds the real attempts, with status and latency.
    const log: AdminDeliveryAttempt[] = (await admin(`/webhooks/${inbox.endpointId}/deliveries?appId=alpha`))
      .body.items;
    expect(log.filter((a) => a.eventId === first?.eventId && a.status === 200)).toHaveLength(2);
    const traces = (await admin('/traces?appId=alpha')).body.items as Array<{ type: string; detail: never }>;
    expect(traces.map((t) => t.type)).toEqual(
      expect.arrayContaining(['webhook.attempt', 'webhook.redeliver']),
    );
  });

  it('shows a failing endpoint’s attempts and its dead letter; requeue delivers it', {
    timeout: 60_000,
  }, async () => {
    const inbox = (
      await admin('/webhooks/inbox', 'POST', { appId: 'alpha', events: ['room.joined'], respondWith: 500 })
    ).body;
    const room = uniqueName('failing');
    await joinOnce(room);
    // 13 tries 1 ms apart doubling (about 4 s), every one answered 500, then the dead letter.
    const letters: AdminDeadLetter[] = await eventually(
      async () => (await admin('/webhooks/dead-letters?appId=alpha')).body.items as AdminDeadLetter[],
      (items) => items.some((l) => (l.event.data as { room?: string }).room === room),
      30_000,
    );
    const letter = letters.find((l) => (l.event.data as { room?: string }).room === room) as AdminDeadLetter;
    expect(letter).toMatchObject({
      endpointId: inbox.endpointId,
      reason: 'exhausted',
      attempts: 13,
      lastStatus: 500,
    });
    const attempts = (
      (await admin(`/webhooks/${inbox.endpointId}/deliveries?appId=alpha`)).body
        .items as AdminDeliveryAttempt[]
    ).filter((a) => a.eventId === letter.event.id);
    expect(attempts.map((a) => a.attempt).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    expect(attempts.every((a) => a.status === 500 && a.latencyMs >= 0)).toBe(true);
    // The worker's trace events reach the shared trace log in batches (every 50 ms), after the move.
    const deadLetterTraced = (items: Array<{ type: string; detail: Record<string, unknown> }>) =>
      items.some((t) => t.type === 'webhook.dead_letter' && t.detail.eventId === letter.event.id);
    const traced = await eventually(
      async () =>
        (await admin('/traces?appId=alpha&limit=2000')).body.items as Array<{
          type: string;
          detail: Record<string, unknown>;
        }>,
      deadLetterTraced,
      5_000,
    );
    expect(deadLetterTraced(traced)).toBe(true);

    await admin('/webhooks/inbox', 'POST', { appId: 'alpha', events: ['room.joined'], respondWith: 200 });
    const requeued = await admin('/webhooks/dead-letters/requeue', 'POST', {
      appId: 'alpha',
      endpointId: letter.endpointId,
      eventId: letter.event.id,
    });
    expect(requeued.status).toBe(202);
    const delivered = await eventually(
      () => inboxRequests(inbox.id),
      (items) => items.some((d) => d.eventId === letter.event.id && d.status === 200),
    );
    expect(delivered.find((d) => d.eventId === letter.event.id && d.status === 200)).toMatchObject({
      verified: true,
    });
    const left = (await admin('/webhooks/dead-letters?appId=alpha')).body.items as AdminDeadLetter[];
    expect(left.some((l) => l.event.id === letter.event.id)).toBe(false);
    // Requeued once: a second requeue of the same letter finds nothing.
    const twice = await admin('/webhooks/dead-letters/requeue', 'POST', {
      appId: 'alpha',
      endpointId: letter.endpointId,
      eventId: letter.event.id,
    });
    expect(twice.status).toBe(404);
  });

  it('refuses bad input with a code, and a forged or unknown inbox request', async () => {
    const inbox = (await admin('/webhooks/inbox', 'POST', { appId: 'alpha' })).body;
    expect(
      (await admin('/webhooks/inbox', 'POST', { appId: 'alpha', respondWith: 99 })).body.error.code,
    ).toBe('invalid_request');
    expect(
      (await admin('/webhooks/inbox', 'POST', { appId: 'alpha', events: ['nope'] })).body.error.code,
    ).toBe('invalid_request');
    expect((await admin('/webhooks/dead-letters/requeue', 'POST', { appId: 'alpha' })).status).toBe(400);
    expect((await admin('/webhooks/inbox/inb_unknown/deliveries')).status).toBe(404);
    // A request not signed with the endpoint's secret is recorded as not verified.
    const forged = await http(gw.port, `/v1/dev/inbox/${inbox.id}`, {
      method: 'POST',
      headers: { 'x-relaybox-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      body: { id: 'evt_forged', type: 'room.joined', createdAt: 1, data: {} },
    });
    expect(forged.status).toBe(200);
    expect(forged.body.verified).toBe(false);
    const [latest] = await inboxRequests(inbox.id);
    expect(latest).toMatchObject({ verified: false });
    expect(latest?.verifyError).toMatch(/does not match/);
    expect((await http(gw.port, '/v1/dev/inbox/inb_unknown', { method: 'POST', body: {} })).status).toBe(404);
    const big = await http(gw.port, `/v1/dev/inbox/${inbox.id}`, {
      method: 'POST',
      body: { pad: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('frame_too_large');
    expect((await admin('/webhooks/inbox?appId=alpha', 'DELETE')).body).toEqual({ removed: true });
    expect((await admin('/webhooks/inbox?appId=alpha')).body).toEqual({ inbox: null });
  });
});
