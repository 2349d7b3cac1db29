import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  internal,
  openKeyEventStream,
  type RunningControlPlane,
  startControlPlane,
} from './api-harness.js';

// The dashboard's dead-letter list of cloud apps against real PostgreSQL: gateways report dead-letter
// moves and removals on the internal API; the dashboard lists them (paginated) and requeues one by
// pushing `webhook-requeue` to the gateways on the key event stream and waiting for an answer. Here a
// test plays the gateway (the stream and the answer); gateway/test/cloud-dead-letters.int.test.ts
// runs real gateways and a worker.
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, WEBHOOK_REQUEUE_TIMEOUT_MS: '400' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

async function appWithEndpoint(): Promise<{ appId: string; endpointId: string }> {
  const appId = (await browser.post('/api/apps', { name: 'letters' })).body.id as string;
  const hook = await browser.post(`/api/apps/${appId}/webhooks`, {
    url: 'https://hooks.example.com/in',
    events: ['room.joined'],
  });
  return { appId, endpointId: hook.body.webhook.id as string };
}

const added = (appId: string, endpointId: string, eventId: string, failedAt: number) => ({
  op: 'add',
  appId,
  endpointId,
  eventId,
  type: 'room.joined',
  attempts: 8,
  reason: 'exhausted',
  lastStatus: 503,
  failedAt,
});

const report = (items: unknown[]) => internal(cp, 'POST', '/webhooks/dead-letters', { items });

describe('dashboard dead-letter list', () => {
  it('lists reported letters newest first, paginated; a removal and a stranger endpoint are honoured', async () => {
    const { appId, endpointId } = await appWithEndpoint();
    const other = await appWithEndpoint();
    const items = Array.from({ length: 5 }, (_, i) => added(appId, endpointId, `evt_${i}`, 1_000 + i));
    const stored = await report([
      ...items,
      items[0], // at least once: reported twice, stored once
      added(other.appId, endpointId, 'evt_stranger', 1), // not the endpoint's app: skipped
      { op: 'remove', appId, endpointId, eventId: 'evt_1', failedAt: 1_001 },
    ]);
    expect(stored.status).toBe(200);
    expect(stored.body.stored).toBe(7);

    const first = await browser.get(`/api/apps/${appId}/webhooks/dead-letters?limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((l: { eventId: string }) => l.eventId)).toEqual(['evt_4', 'evt_3', 'evt_2']);
    expect(first.body.items[0]).toEqual({
      endpointId,
      eventId: 'evt_4',
      type: 'room.joined',
      attempts: 8,
      reason: 'exhausted',
      lastStatus: 503,
      lastError: null,
      failedAt: new Date(1_004).toISOString(),
    });
    const second = await browser.get(
      `/api/apps/${appId}/webhooks/dead-letters?limit=3&cursor=${first.body.next}`,
    );
    expect(second.body).toEqual({
      items: [expect.objectContaining({ eventId: 'evt_0' })],
      next: null,
    });
    const filtered = await browser.get(`/api/apps/${other.appId}/webhooks/dead-letters`);
    expect(filtered.body).toEqual({ items: [], next: null });
    const byEndpoint = await browser.get(
      `/api/apps/${appId}/webhooks/dead-letters?endpointId=${other.endpointId}`,
    );
    expect(byEndpoint.body.items).toEqual([]);
  });

  it('bounds the page, the cursor and a report', async () => {
    const { appId, endpointId } = await appWithEndpoint();
    for (const query of ['limit=101', 'limit=0', 'cursor=abc', 'cursor=1%20OR%201=1']) {
      const reply = await browser.get(`/api/apps/${appId}/webhooks/dead-letters?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error.code, query).toBe('invalid_request');
    }
    const tooMany = await report(Array.from({ length: 1001 }, (_, i) => added(appId, endpointId, 'e', i)));
    expect(tooMany.status).toBe(400);
    const incomplete = await report([{ op: 'add', appId, endpointId, eventId: 'e', failedAt: 1 }]);
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.code).toBe('invalid_request');
    const unauthenticated = await internal(cp, 'POST', '/webhooks/dead-letters', { items: [] }, 'wrong');
    expect(unauthenticated.status).toBe(401);
  });

  it('keeps the newest 1,000 letters per endpoint; requeueing a dropped one is dead_letter_not_found', {
    timeout: 60_000,
  }, async () => {
    const { appId, endpointId } = await appWithEndpoint();
    await report(Array.from({ length: 1000 }, (_, i) => added(appId, endpointId, `evt_${i}`, 10_000 + i)));
    await report([added(appId, endpointId, 'evt_1000', 20_000)]);
    let count = 0;
    let cursor: string | null = null;
    const seen = new Set<string>();
    do {
      const page: { body: { items: Array<{ eventId: string }>; next: string | null } } = await browser.get(
        `/api/apps/${appId}/webhooks/dead-letters?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      count += page.body.items.length;
      for (const l of page.body.items) seen.add(l.eventId);
      cursor = page.body.next;
    } while (cursor);
    expect(count).toBe(1000);
    expect(seen.has('evt_0')).toBe(false);
    expect(seen.has('evt_1000')).toBe(true);
    const dropped = await browser.post(
      `/api/apps/${appId}/webhooks/${endpointId}/dead-letters/evt_0/requeue`,
    );
    expect(dropped.status).toBe(404);
    expect(dropped.body.error.code).toBe('dead_letter_not_found');
  });

  it('requeue: unknown event 404, no gateway 503 (letter kept), a gateway that queued it 200 (letter gone)', async () => {
    const { appId, endpointId } = await appWithEndpoint();
    await report([added(appId, endpointId, 'evt_a', 5_000)]);
    const path = (eventId: string) =>
      `/api/apps/${appId}/webhooks/${endpointId}/dead-letters/${eventId}/requeue`;

    const unknown = await browser.post(path('evt_nope'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('dead_letter_not_found');

    const nobody = await browser.post(path('evt_a'));
    expect(nobody.status).toBe(503);
    expect(nobody.body.error.code).toBe('gateway_unavailable');
    expect((await browser.get(`/api/apps/${appId}/webhooks/dead-letters`)).body.items).toHaveLength(1);

    // A gateway on the key event stream: answers every requeue of this app as queued.
    const gateway = await openKeyEventStream(cp);
    try {
      await gateway.next((e) => e.event === 'ready');
      const answering = (async () => {
        const pushed = await gateway.next((e) => e.event === 'webhook-requeue');
        const data = pushed.data as { appId: string; endpointId: string; eventId: string; requestId: string };
        expect(data).toMatchObject({ appId, endpointId, eventId: 'evt_a' });
        const answer = await internal(cp, 'POST', `/webhooks/requeues/${data.requestId}`, {
          outcome: 'requeued',
          jobId: 'job-1',
        });
        expect(answer.body).toEqual({ open: true });
      })();
      const requeued = await browser.post(path('evt_a'));
      await answering;
      expect(requeued.status).toBe(200);
      expect(requeued.body).toEqual({ requeued: { endpointId, eventId: 'evt_a', jobId: 'job-1' } });
      expect((await browser.get(`/api/apps/${appId}/webhooks/dead-letters`)).body.items).toEqual([]);
    } finally {
      gateway.close();
    }
  });

  it('requeue: a gateway that failed is 503 (letter kept); every gateway without the letter is 404 (letter gone)', async () => {
    const { appId, endpointId } = await appWithEndpoint();
    await report([added(appId, endpointId, 'evt_f', 6_000), added(appId, endpointId, 'evt_g', 6_001)]);
    const path = (eventId: string) =>
      `/api/apps/${appId}/webhooks/${endpointId}/dead-letters/${eventId}/requeue`;
    const gateway = await openKeyEventStream(cp);
    try {
      await gateway.next((e) => e.event === 'ready');
      const answer = async (eventId: string, body: object) => {
        const pushed = await gateway.next(
          (e) => e.event === 'webhook-requeue' && (e.data as { eventId: string }).eventId === eventId,
        );
        await internal(
          cp,
          'POST',
          `/webhooks/requeues/${(pushed.data as { requestId: string }).requestId}`,
          body,
        );
      };
      const [failed] = await Promise.all([
        browser.post(path('evt_f')),
        answer('evt_f', { outcome: 'failed', message: 'queue unavailable' }),
      ]);
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe('gateway_unavailable');
      expect(failed.body.error.message).toContain('queue unavailable');
      const [gone] = await Promise.all([
        browser.post(path('evt_g')),
        answer('evt_g', { outcome: 'not_found' }),
      ]);
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('dead_letter_not_found');
      const left = (await browser.get(`/api/apps/${appId}/webhooks/dead-letters`)).body.items;
      expect(left.map((l: { eventId: string }) => l.eventId)).toEqual(['evt_f']);
      // An answer after the request closed changes nothing.
      const late = await internal(cp, 'POST', '/webhooks/requeues/rq_gone', { outcome: 'requeued' });
      expect(late.body).toEqual({ open: false });
    } finally {
      gateway.close();
    }
  });
});
