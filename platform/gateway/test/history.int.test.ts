import type { RoomMessage } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  ALPHA_LIMITED,
  apiKeyOf,
  BETA,
  startTestGateway,
  TestClient,
  uniqueName,
  wsUrl,
} from './harness.js';

// History, idempotent publish and replay against a gateway on the real Redis history store.
let gw: RunningGateway;
let client: TestClient;

beforeAll(async () => {
  gw = await startTestGateway({
    store: 'redis',
    env: { RELAYBOX_HISTORY_MAX_MESSAGES: '50' },
    limits: { publishRatePerSecond: 10_000, publishBurst: 10_000 },
  });
  client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'historian' });
});
afterAll(async () => {
  await client.close();
  await gw.shutdown();
});

async function publishNumbers(room: string, count: number, event = 'n'): Promise<void> {
  await client.ok({ type: 'join', room });
  for (let i = 1; i <= count; i++) await client.ok({ type: 'publish', room, event, data: i });
}

type Page = { items: RoomMessage[]; hasNext: boolean; next?: string };
async function history(room: string, query: Record<string, unknown>): Promise<Page> {
  return (await client.ok({ type: 'history', room, query })).result as Page;
}
async function restHistory(room: string, params: string, key = ALPHA_FULL) {
  const res = await fetch(`${gw.url}/v1/rooms/${encodeURIComponent(room)}/messages?${params}`, {
    headers: { authorization: `Bearer ${apiKeyOf(key)}` },
  });
  return { status: res.status, body: (await res.json()) as Page & { error?: { code: string } } };
}

describe('history', () => {
  it('pages backwards (default) and forwards, with cursors, over WebSocket and REST', async () => {
    const room = uniqueName('h');
    await publishNumbers(room, 25);
    const newest = await history(room, { limit: 10 });
    expect(newest.items.map((m) => m.data)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(newest.hasNext).toBe(true);
    const second = await history(room, { cursor: newest.next, limit: 10 });
    expect(second.items.map((m) => m.seq)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    const last = await history(room, { cursor: second.next, limit: 10 });
    expect(last.items.map((m) => m.seq)).toEqual([5, 4, 3, 2, 1]);
    expect(last.hasNext).toBe(false);

    const forwards = await restHistory(room, 'direction=forwards&fromSeq=20&limit=3');
    expect(forwards.status).toBe(200);
    expect(forwards.body.items.map((m) => m.seq)).toEqual([20, 21, 22]);
    const rest = await restHistory(room, `cursor=${encodeURIComponent(forwards.body.next!)}`);
    expect(rest.body.items.map((m) => m.seq)).toEqual([23, 24, 25]);
    expect(rest.body.items[0]).toMatchObject({
      room,
      event: 'n',
      clientId: 'historian',
      id: expect.any(String),
    });
    // Items are spliced from the stored frames: exactly the message fields, in order, no frame `type`.
    const fields = ['id', 'seq', 'room', 'event', 'data', 'clientId', 'timestamp'];
    for (const item of [...rest.body.items, ...newest.items]) expect(Object.keys(item)).toEqual(fields);
    expect(Object.keys(rest.body)).toEqual(['items', 'hasNext']);
    expect(Object.keys(forwards.body)).toEqual(['items', 'hasNext', 'next']);
  });

  it('filters by event and by time', async () => {
    const room = uniqueName('h');
    await client.ok({ type: 'join', room });
    for (let i = 1; i <= 12; i++) {
      await client.ok({ type: 'publish', room, event: i % 4 === 0 ? 'rare' : 'common', data: i });
    }
    const rare = await history(room, { event: 'rare', direction: 'forwards' });
    expect(rare.items.map((m) => m.data)).toEqual([4, 8, 12]);
    const all = await history(room, { direction: 'forwards' });
    const t = all.items[5]!.timestamp;
    const since = await history(room, { direction: 'forwards', start: t });
    expect(since.items[0]!.timestamp).toBeGreaterThanOrEqual(t);
    expect(since.items.at(-1)!.seq).toBe(12);
  });

  it('refuses without the history permission, forged cursors and bad queries', async () => {
    const room = uniqueName('h');
    await publishNumbers(room, 3);
    const limited = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_LIMITED) });
    expect(await limited.request({ type: 'history', room: 'chat:x', query: {} })).toMatchObject({
      error: { code: 'permission_denied' },
    });
    await limited.close();
    expect((await restHistory('chat:x', '', ALPHA_LIMITED)).body.error?.code).toBe('permission_denied');

    const other = uniqueName('h');
    await publishNumbers(other, 3);
    const page = await history(other, { limit: 1 });
    expect(await client.request({ type: 'history', room, query: { cursor: page.next } })).toMatchObject({
      error: { code: 'invalid_request' },
    });
    const tampered = `${page.next!.slice(0, -2)}xx`;
    expect(await client.request({ type: 'history', room: other, query: { cursor: tampered } })).toMatchObject(
      {
        error: { code: 'invalid_request' },
      },
    );
    expect((await restHistory(room, 'limit=5000')).body.error?.code).toBe('invalid_request');
    expect((await restHistory(room, 'order=asc')).body.error?.code).toBe('invalid_request');
    expect((await restHistory(room, 'direction=sideways')).status).toBe(400);
  });

  it('keeps at most the retention count per room', async () => {
    const room = uniqueName('h');
    await publishNumbers(room, 60);
    const page = await history(room, { direction: 'forwards', limit: 1000 });
    expect(page.items.length).toBe(50);
    expect(page.items[0]!.seq).toBe(11);
  });
});

describe('retention per app', () => {
  it('an app with its own retention keeps its count; other apps keep the default', async () => {
    const own = await startTestGateway({ store: 'redis', betaHistory: { maxMessages: 5, maxAgeSec: 3600 } });
    try {
      const beta = await TestClient.connect(wsUrl(own), { apiKey: apiKeyOf(BETA) });
      const alpha = await TestClient.connect(wsUrl(own), { apiKey: apiKeyOf(ALPHA_FULL) });
      const room = uniqueName('ret');
      for (const c of [beta, alpha]) {
        await c.ok({ type: 'join', room });
        for (let i = 1; i <= 8; i++) await c.ok({ type: 'publish', room, event: 'n', data: i });
      }
      const page = async (c: TestClient) =>
        ((await c.ok({ type: 'history', room, query: { direction: 'forwards' } })).result as Page).items.map(
          (m) => m.data,
        );
      expect(await page(beta)).toEqual([4, 5, 6, 7, 8]);
      expect(await page(alpha)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      await Promise.all([beta.close(), alpha.close()]);
    } finally {
      await own.shutdown();
    }
  });
});

describe('idempotent publish', () => {
  it('a retry with the same key returns the original ack and is not delivered again (WebSocket and REST)', async () => {
    const room = uniqueName('idem');
    const watcher = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    await watcher.joinAndSubscribe(room);
    await client.ok({ type: 'join', room });
    const first = await client.ok({ type: 'publish', room, event: 'e', data: 'once', idempotencyKey: 'k1' });
    const retry = await client.ok({ type: 'publish', room, event: 'e', data: 'once', idempotencyKey: 'k1' });
    expect(retry.result).toEqual(first.result);
    const body = JSON.stringify({ event: 'e', data: 'rest', idempotencyKey: 'k2' });
    const post = () =>
      fetch(`${gw.url}/v1/rooms/${room}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKeyOf(ALPHA_FULL)}`, 'content-type': 'application/json' },
        body,
      }).then((r) => r.json());
    const a = await post();
    const b = await post();
    expect(b).toEqual(a);
    const other = await client.ok({ type: 'publish', room, event: 'e', data: 'new', idempotencyKey: 'k3' });
    await watcher.waitForMessages(room, 3);
    await new Promise((r) => setTimeout(r, 150));
    expect(watcher.messages(room).map((m) => m.data)).toEqual(['once', 'rest', 'new']);
    expect((other.result as { seq: number }).seq).toBe(3);
    await watcher.close();
  });
});

describe('subscribe with fromSeq', () => {
  it('replays what a client missed, then delivers live, without gaps', async () => {
    const room = uniqueName('replay');
    await publishNumbers(room, 10);
    const late = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    await late.ok({ type: 'join', room });
    const ack = await late.ok({ type: 'subscribe', room, fromSeq: 4 });
    expect(ack.result).toEqual({ replayed: 7, latestSeq: 10 });
    await client.ok({ type: 'publish', room, event: 'n', data: 11 });
    await late.waitForMessages(room, 8);
    expect(late.messages(room).map((m) => m.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(late.frames.some((f) => f.type === 'discontinuity')).toBe(false);
    await late.close();
  });

  it('reports a discontinuity when history no longer holds fromSeq, then replays what it has', async () => {
    const room = uniqueName('gap');
    await publishNumbers(room, 60); // retention keeps 11..60
    const late = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL) });
    await late.ok({ type: 'join', room });
    await late.ok({ type: 'subscribe', room, fromSeq: 5 });
    const gap = await late.waitFor((f) => f.type === 'discontinuity');
    expect(gap).toEqual({ type: 'discontinuity', room, fromSeq: 5, oldestSeq: 11 });
    await late.waitForMessages(room, 50);
    expect(late.messages(room)[0]!.seq).toBe(11);
    await late.close();
  });
});
