import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerFrame } from '@relaybox/protocol';
import { verifyWebhook } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  apiKeyOf,
  BETA,
  refusedUpgrade,
  startTestGateway,
  TestClient,
  uniqueName,
  wsUrl,
} from './harness.js';
import { mintToken } from './tokens.js';

// App isolation: apps A (alpha) and B (beta) on two gateways sharing real Redis and RabbitMQ use the
// same room names; nothing of A is ever visible with B's keys or tokens (and the reverse).
const A = ALPHA_FULL;
const B = BETA;
const HOOK_SECRET = 'isolation-webhook-secret-01';
const deliveries: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let receiver: Server;
let gws: RunningGateway[];

beforeAll(async () => {
  receiver = createServer((req, res) => {
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
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/a-hooks`;
  const shared = { exchange: uniqueName('test.isolation'), redisPrefix: `${uniqueName('test')}:` };
  gws = [];
  for (let i = 0; i < 2; i++) {
    gws.push(
      await startTestGateway({
        broker: 'amqp',
        store: 'redis',
        ...shared,
        env: { RELAYBOX_WEBHOOK_BASE_DELAY_MS: '50', RELAYBOX_PRESENCE_GRACE_MS: '200' },
        limits: { publishRatePerSecond: 1000, publishBurst: 1000 },
        webhooks: [
          {
            id: 'all',
            url: hookUrl,
            secret: HOOK_SECRET,
            events: ['connection.opened', 'connection.closed', 'room.joined', 'room.left'].concat([
              'presence.enter',
              'presence.update',
              'presence.leave',
              'message.published',
            ]),
            rooms: ['*'],
          },
        ],
      }),
    );
  }
});
afterAll(async () => {
  await Promise.all(gws.map((g) => g.shutdown()));
  receiver.close();
});

type Key = typeof A;
const connect = (gw: number, key: Key, clientId: string) =>
  TestClient.connect(wsUrl(gws[gw]!), { apiKey: apiKeyOf(key), clientId });
const closeAll = (clients: TestClient[]) => Promise.all(clients.map((c) => c.close()));
const datas = (c: TestClient, room: string) => c.messages(room).map((m) => m.data);

function rest(gw: number, key: Key, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gws[gw]!.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKeyOf(key)}`, 'content-type': 'application/json' },
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('app isolation with identical room names', () => {
  it('rooms: messages published by one app never reach the other, seqs are per app', async () => {
    const room = uniqueName('shared');
    const [a0, a1, b0, b1] = await Promise.all([
      connect(0, A, 'a-0'),
      connect(1, A, 'a-1'),
      connect(0, B, 'b-0'),
      connect(1, B, 'b-1'),
    ]);
    for (const c of [a0!, a1!, b0!, b1!]) await c.joinAndSubscribe(room);
    const bAck = await b0!.ok({ type: 'publish', room, event: 'e', data: 'from-b' });
    await b1!.waitForMessages(room, 1);
    // REST publish with B's key into the same room name.
    expect((await rest(1, B, `/v1/rooms/${room}/messages`, restBody('from-b-rest'))).status).toBe(201);
    await b0!.waitForMessages(room, 2);
    const aAck = await a1!.ok({ type: 'publish', room, event: 'e', data: 'from-a' });
    await a0!.waitForMessages(room, 1);
    await a1!.waitForMessages(room, 1);
    await b1!.waitForMessages(room, 2);
    expect((bAck.result as { seq: number }).seq).toBe(1);
    expect((aAck.result as { seq: number }).seq).toBe(1); // A's room is not B's room
    for (const a of [a0!, a1!]) expect(datas(a, room)).toEqual(['from-a']);
    for (const b of [b0!, b1!]) expect(datas(b, room)).toEqual(['from-b', 'from-b-rest']);
    await closeAll([a0!, a1!, b0!, b1!]);
  });

  it('presence: B neither gets nor is told about A members (WS and REST)', async () => {
    const room = uniqueName('shared');
    const [a0, b1] = await Promise.all([connect(0, A, 'a-0'), connect(1, B, 'b-1')]);
    await b1!.ok({ type: 'join', room });
    await b1!.ok({ type: 'presence.subscribe', room });
    await a0!.ok({ type: 'join', room });
    await a0!.ok({ type: 'presence', room, action: 'enter', data: { secret: 'a-data' } });
    await a0!.ok({ type: 'presence', room, action: 'update', data: { secret: 'a-data-2' } });
    const b0 = await connect(0, B, 'b-0');
    await b0.ok({ type: 'join', room });
    await b0.ok({ type: 'presence', room, action: 'enter', data: { mine: true } });
    await b1!.waitFor((f) => f.type === 'presence' && f.room === room);
    const got = (await b1!.ok({ type: 'presence.get', room })).result as unknown as Members;
    expect(got.members.map((m) => m.clientId)).toEqual(['b-0']);
    const viaRest = (await (await rest(0, B, `/v1/rooms/${room}/presence`)).json()) as Members;
    expect(viaRest.members.map((m) => m.clientId)).toEqual(['b-0']);
    expect(b1!.presenceEvents(room).map((e) => clientOf(e))).toEqual(['b-0']);
    const aView = (await a0!.ok({ type: 'presence.get', room })).result as unknown as Members;
    expect(aView.members.map((m) => m.clientId)).toEqual(['a-0']);
    await closeAll([a0!, b0, b1!]);
  });

  it('history: B reads only its own messages (WS and REST)', async () => {
    const room = uniqueName('shared');
    const a0 = await connect(0, A, 'a-0');
    await a0.ok({ type: 'join', room });
    for (let i = 0; i < 3; i++) await a0.ok({ type: 'publish', room, event: 'e', data: `a-${i}` });
    const b1 = await connect(1, B, 'b-1');
    await b1.ok({ type: 'join', room });
    const empty = (await b1.ok({ type: 'history', room, query: {} })).result as { items: unknown[] };
    expect(empty.items).toEqual([]);
    await b1.ok({ type: 'publish', room, event: 'e', data: 'b-0' });
    const page = (await b1.ok({ type: 'history', room, query: {} })).result as { items: HistItem[] };
    expect(page.items.map((m) => [m.data, m.seq])).toEqual([['b-0', 1]]);
    const viaRest = (await (await rest(0, B, `/v1/rooms/${room}/messages`)).json()) as { items: HistItem[] };
    expect(viaRest.items.map((m) => m.data)).toEqual(['b-0']);
    // The same with a token of B's key, over WebSocket and REST.
    const bToken = await mintToken({ ...B, clientId: 'b-token' });
    const viaToken = await fetch(`${gws[1]!.url}/v1/rooms/${room}/messages`, {
      headers: { authorization: `Bearer ${bToken}` },
    });
    expect(((await viaToken.json()) as { items: HistItem[] }).items.map((m) => m.data)).toEqual(['b-0']);
    const tokenClient = await TestClient.connect(wsUrl(gws[0]!), { token: bToken });
    await tokenClient.ok({ type: 'join', room });
    const tokenPage = (await tokenClient.ok({ type: 'history', room, query: {} })).result as {
      items: HistItem[];
    };
    expect(tokenPage.items.map((m) => m.data)).toEqual(['b-0']);
    await tokenClient.close();
    const aRest = (await (await rest(1, A, `/v1/rooms/${room}/messages?direction=forwards`)).json()) as {
      items: HistItem[];
    };
    expect(aRest.items.map((m) => m.data).sort()).toEqual(['a-0', 'a-1', 'a-2']);
    await closeAll([a0, b1]);
  });

  it('room metrics: B counts only its own connections and messages', async () => {
    const room = uniqueName('shared');
    const [a0, a1, b0] = await Promise.all([
      connect(0, A, 'a-0'),
      connect(1, A, 'a-1'),
      connect(0, B, 'b-0'),
    ]);
    for (const a of [a0!, a1!]) await a.joinAndSubscribe(room);
    await b0!.ok({ type: 'join', room });
    await b0!.ok({ type: 'metrics.subscribe', room });
    await a0!.ok({ type: 'metrics.subscribe', room });
    // A keeps publishing (bounded) while the figures are read.
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing && i < 200; i++) {
        await a1!.ok({ type: 'publish', room, event: 'e', data: i });
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    // Wait until A's own watcher sees its traffic, then for B's next push after that.
    // (cluster-wide figures: the other gateway's share can lag one push behind)
    const busy = await a0!.waitFor((f) => {
      const m = metricsOf(f, room);
      return m !== undefined && m.messagesInPerSecond > 0 && m.connections === 2 && m.subscribers === 2;
    }, 8000);
    const seenAt = metricsOf(busy, room)!.timestamp;
    await b0!.waitFor((f) => (metricsOf(f, room)?.timestamp ?? 0) >= seenAt, 8000);
    publishing = false;
    await publisher;
    const bPushes = b0!.frames.map((f) => metricsOf(f, room)).filter((m) => m !== undefined);
    expect(bPushes.length).toBeGreaterThan(0);
    for (const m of bPushes) {
      expect(m).toMatchObject({
        connections: 1,
        subscribers: 0,
        messagesInPerSecond: 0,
        messagesOutPerSecond: 0,
      });
    }
    await closeAll([a0!, a1!, b0!]);
  });

  it("webhooks: A's endpoint never receives B's events", async () => {
    const room = uniqueName('hooked');
    const b0 = await connect(0, B, 'b-hook');
    await b0.ok({ type: 'join', room });
    await b0.ok({ type: 'presence', room, action: 'enter' });
    await b0.ok({ type: 'publish', room, event: 'e', data: 'b-data' });
    await rest(1, B, `/v1/rooms/${room}/messages`, restBody('b-rest'));
    await b0.close();
    // A marker from A in the same room: once its events arrived, B's would have too.
    const a1 = await connect(1, A, 'a-hook');
    await a1.ok({ type: 'join', room });
    await a1.ok({ type: 'publish', room, event: 'e', data: 'a-data' });
    await a1.close();
    const events = () =>
      deliveries.map((d) => JSON.parse(d.body) as { type: string; data: Record<string, unknown> });
    await until(
      () => events().some((e) => e.type === 'connection.closed' && e.data.clientId === 'a-hook'),
      "A's connection.closed webhook",
    );
    await until(
      () => events().some((e) => e.type === 'message.published' && e.data.data === 'a-data'),
      'A message',
    );
    const all = deliveries.map((d) => d.body).join('\n');
    expect(all).not.toContain('b-hook');
    expect(all).not.toContain('b-data');
    expect(all).not.toContain('b-rest');
    for (const d of deliveries) {
      expect(() =>
        verifyWebhook({ body: d.body, headers: d.headers as Record<string, string>, secret: HOOK_SECRET }),
      ).not.toThrow();
    }
  });

  it("resume: B cannot claim A's connection id, even with A's resume secret", async () => {
    const a0 = await connect(0, A, 'same-client');
    const offer = a0.resumeOffer;
    await a0.ok({ type: 'join', room: 'shared-resume' });
    a0.ws.terminate(); // a drop, not a clean close: the session stays resumable
    await a0.closed;
    const b = await TestClient.connect(wsUrl(gws[1]!), {
      apiKey: apiKeyOf(B),
      clientId: 'same-client',
      resume: offer,
    });
    expect(b.connected.resumed).toBe(false);
    expect(b.connected.connectionId).not.toBe(offer.connectionId);
    expect(b.connected.resumeError).toBeDefined();
    // A's joined rooms did not come along.
    const publish = await b.request({ type: 'publish', room: 'shared-resume', event: 'e', data: 1 });
    expect(publish).toMatchObject({ type: 'error', error: { code: 'not_joined' } });
    // The refused claim did not consume A's session: A still resumes it.
    const back = await TestClient.connect(wsUrl(gws[1]!), {
      apiKey: apiKeyOf(A),
      clientId: 'same-client',
      resume: offer,
    });
    expect(back.connected).toMatchObject({ resumed: true, connectionId: offer.connectionId });
    await closeAll([b, back]);
  });

  it("a token signed with B's secret but the kid of A's key is refused", async () => {
    const forged = await mintToken({ ...B, kid: `${A.appId}.${A.keyId}`, clientId: 'forger' });
    const ws = await refusedUpgrade(wsUrl(gws[0]!), { token: forged });
    expect(ws).toMatchObject({ status: 401, body: { error: { code: 'token_signature_invalid' } } });
    const res = await fetch(`${gws[1]!.url}/v1/rooms/shared/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'e', data: 1 }),
    });
    expect(res.status).toBe(401);
    // And B's own key id under A's app does not exist there.
    const crossed = await refusedUpgrade(wsUrl(gws[0]!), { apiKey: `${A.appId}.${B.keyId}:${B.secret}` });
    expect(crossed).toMatchObject({ status: 401, body: { error: { code: 'key_unknown' } } });
  });
});

interface Members {
  members: Array<{ clientId: string }>;
}

interface HistItem {
  data: unknown;
  seq: number;
}

const restBody = (data: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify({ event: 'e', data }),
});

function clientOf(frame: Extract<ServerFrame, { type: 'presence' }>): string | undefined {
  return (frame as unknown as { member?: { clientId?: string } }).member?.clientId;
}

function metricsOf(frame: ServerFrame, room: string) {
  return frame.type === 'metrics' && frame.room === room ? frame.metrics : undefined;
}
