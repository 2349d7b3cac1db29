import { RelayBox, type RoomMessage } from '@relaybox/client';
import type { AckFrame, ErrorFrame } from '@relaybox/protocol';
import { RelayBoxRest } from '@relaybox/rest';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// Issue 11.13: a subscribe is a point in the stream. Every message published after the subscribe
// frame reached the gateway (certainly every later publish on the same connection) reaches the
// subscription, live or replayed, although the broker binding is still being made.

const running: RunningGateway[] = [];
const clients: TestClient[] = [];
const relays: RelayBox[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(relays.splice(0).map((r) => r.close()));
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

const COUNT = 30;

async function rabbitGateways(n: number, maxBufferedBytes?: number): Promise<RunningGateway[]> {
  const exchange = uniqueName('test.subpoint');
  const redisPrefix = `${uniqueName('test')}:`;
  const gws: RunningGateway[] = [];
  for (let i = 0; i < n; i++) {
    const gw = await startTestGateway({
      broker: 'amqp',
      store: 'redis',
      exchange,
      redisPrefix,
      nodeId: `sp${i}-${exchange.slice(-8)}`,
      limits: {
        publishRatePerSecond: 10_000,
        publishBurst: 10_000,
        ...(maxBufferedBytes ? { maxBufferedBytes } : {}),
      },
    });
    running.push(gw);
    gws.push(gw);
  }
  return gws;
}

/**
 * The seqs in order of first arrival. Around the subscribe a few may arrive twice on the wire (a
 * held message also drained by uWS's topic); the SDK drops repeats, and the SDK test below checks
 * exactly-once at the app.
 */
function seqs(client: TestClient, room: string): number[] {
  return [...new Set(client.messages(room).map((m) => m.seq))];
}

describe('subscribe is a point in the stream', () => {
  it('30 publishes sent right after subscribe on the same connection all reach it (RabbitMQ + Redis)', async () => {
    const [gw] = await rabbitGateways(1);
    const client = await TestClient.connect(wsUrl(gw!), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'sp' });
    clients.push(client);
    // Several rooms, each a fresh broker binding, so the race is run more than once.
    for (let r = 0; r < 3; r++) {
      const room = uniqueName('sp').replace(/[^A-Za-z0-9_.-]/g, '_');
      await client.ok({ type: 'join', room });
      const subscribed = client.request({ type: 'subscribe', room });
      const acks = await Promise.all(
        Array.from({ length: COUNT }, (_, i) =>
          client.request({ type: 'publish', room, event: 'e', data: { big: 'x'.repeat(32_000), i } }),
        ),
      );
      expect(acks.every((a) => a.type === 'ack')).toBe(true);
      const sub = (await subscribed) as AckFrame | ErrorFrame;
      expect(sub.type).toBe('ack');
      // The ack's latestSeq is the point: every later seq reaches the subscription.
      const latestSeq = (sub as AckFrame).result as { latestSeq: number };
      expect(latestSeq.latestSeq).toBe(0);
      await waitUntil(
        () => seqs(client, room).length >= COUNT,
        () => seqs(client, room),
      );
      expect(seqs(client, room)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    }
  });

  it('live messages past the hold bound while catching up are replayed again, not lost or repeated', async () => {
    // 30 x 32 KB published during the catch-up overflow a 192 KB hold: later rounds replay them.
    const [gw] = await rabbitGateways(1, 192 * 1024);
    const client = await TestClient.connect(wsUrl(gw!), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'ov' });
    const publisher = await TestClient.connect(wsUrl(gw!), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'ovp' });
    clients.push(client, publisher);
    const room = uniqueName('ov').replace(/[^A-Za-z0-9_.-]/g, '_');
    await client.ok({ type: 'join', room });
    await publisher.ok({ type: 'join', room });
    const subscribed = client.request({ type: 'subscribe', room });
    const acks = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        client.request({ type: 'publish', room, event: 'e', data: { big: 'z'.repeat(32_000), i } }),
      ),
    );
    expect(acks.every((a) => a.type === 'ack')).toBe(true);
    expect((await subscribed).type).toBe('ack');
    await waitUntil(
      () => seqs(client, room).length >= COUNT,
      () => seqs(client, room),
    );
    expect(seqs(client, room)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
  });

  it('publishes from another connection and another gateway after the subscribe reach it', async () => {
    const [a, b] = await rabbitGateways(2);
    const room = uniqueName('sp2').replace(/[^A-Za-z0-9_.-]/g, '_');
    const sub = await TestClient.connect(wsUrl(a!), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'sub' });
    const pub = await TestClient.connect(wsUrl(b!), { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'pub' });
    clients.push(sub, pub);
    await sub.ok({ type: 'join', room });
    await pub.ok({ type: 'join', room });
    await pub.ok({ type: 'publish', room, event: 'e', data: 'before' });
    const subscribed = sub.request({ type: 'subscribe', room });
    const ack = (await subscribed) as AckFrame;
    const from = (ack.result as { latestSeq: number }).latestSeq;
    for (let i = 0; i < COUNT; i++) await pub.ok({ type: 'publish', room, event: 'e', data: i });
    await waitUntil(
      () => seqs(sub, room).length >= COUNT,
      () => seqs(sub, room),
    );
    expect(seqs(sub, room)).toEqual(Array.from({ length: COUNT }, (_, i) => from + i + 1));
  });

  it('the SDK: room.subscribe() then 30 publishes: each delivered exactly once, in order', async () => {
    const [gw] = await rabbitGateways(1);
    for (let r = 0; r < 3; r++) {
      const relay = new RelayBox({
        url: wsUrl(gw!),
        apiKey: apiKeyOf(ALPHA_FULL),
        clientId: `sdk${r}`,
        WebSocket: WebSocket as never,
      });
      relays.push(relay);
      await relay.connect();
      const room = await relay.join(uniqueName('sdk').replace(/[^A-Za-z0-9_.-]/g, '_'));
      const seen: RoomMessage[] = [];
      room.subscribe((m) => seen.push(m));
      const acks = await Promise.all(
        Array.from({ length: COUNT }, (_, i) => room.publish('e', { big: 'y'.repeat(32_000), i })),
      );
      expect(acks.map((a) => a.seq).sort((x, y) => x - y)).toEqual(
        Array.from({ length: COUNT }, (_, i) => i + 1),
      );
      await waitUntil(
        () => seen.length >= COUNT,
        () => seen.map((m) => m.seq),
      );
      expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
      expect(seen.map((m) => (m.data as { i: number }).i)).toEqual(
        Array.from({ length: COUNT }, (_, i) => i),
      );
    }
  });

  it('the SDK: after `await room.ready()` a REST publish to another gateway is received (20 rooms)', async () => {
    // The app's backend publishes right after the subscription was accepted; the subscriber is on
    // another gateway, whose broker binding for the room is made by this subscribe.
    const [a, b] = await rabbitGateways(2);
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: b!.url });
    const relay = new RelayBox({
      url: wsUrl(a!),
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'ready',
      WebSocket: WebSocket as never,
    });
    relays.push(relay);
    await relay.connect();
    const RUNS = 20;
    let received = 0;
    for (let r = 0; r < RUNS; r++) {
      const room = await relay.join(uniqueName('ready').replace(/[^A-Za-z0-9_.-]/g, '_'));
      const seen: RoomMessage[] = [];
      room.subscribe('go', (m) => seen.push(m));
      await room.ready();
      const ack = await rest.publish(room.name, 'go', { r });
      // Bounded: a missed message never comes, and the count below says how many did.
      await waitUntil(
        () => seen.length > 0,
        () => [],
        5_000,
      ).catch(() => {});
      if (seen.length === 1 && seen[0]!.seq === ack.seq) received++;
      await room.leave();
    }
    expect(received).toBe(RUNS);
  });
});

async function waitUntil(done: () => boolean, describe: () => unknown, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(describe())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
