import { RabbitmqAdmin } from '@relaybox/adapters/testing';
import { TcpProxy } from '@relaybox/core/testing';
import { RelayBoxRest } from '@relaybox/rest';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, sleep, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

const running: RunningGateway[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

/** N real gateways sharing one RabbitMQ exchange and one Redis prefix, as a cluster would. */
async function cluster(n: number, amqpUrl?: (i: number) => string): Promise<RunningGateway[]> {
  const exchange = uniqueName('test.cluster');
  const redisPrefix = `${uniqueName('test')}:`;
  const gws: RunningGateway[] = [];
  for (let i = 0; i < n; i++) {
    const url = amqpUrl?.(i);
    const gw = await startTestGateway({
      broker: 'amqp',
      store: 'redis',
      exchange,
      redisPrefix,
      nodeId: `node${i + 1}-${exchange.slice(-8)}`,
      limits: { publishRatePerSecond: 10_000, publishBurst: 10_000 },
      ...(url ? { amqpUrl: url } : {}),
    });
    running.push(gw);
    gws.push(gw);
  }
  return gws;
}

async function subscriber(gw: RunningGateway, room: string, clientId: string): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId });
  clients.push(client);
  await client.joinAndSubscribe(room);
  return client;
}

function expectExactlyOnceInOrder(client: TestClient, room: string, count: number): void {
  const got = client.messages(room);
  expect(got.map((m) => m.data)).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(got.map((m) => m.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(new Set(got.map((m) => m.id)).size).toBe(count);
}

async function waitHealthy(gws: RunningGateway[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const gw of gws) {
    while (gw.gateway.stats().broker !== 'connected') {
      if (Date.now() > deadline) throw new Error(`${gw.gateway.stats().nodeId} did not reconnect`);
      await sleep(100);
    }
  }
}

describe('fan-out between gateways through RabbitMQ', () => {
  it('a publish on gateway 1 reaches clients on gateways 1, 2 and 3 exactly once, in order', async () => {
    const [g1, g2, g3] = await cluster(3);
    const room = uniqueName('room');
    const subs = [
      await subscriber(g1!, room, 's1'),
      await subscriber(g2!, room, 's2'),
      await subscriber(g3!, room, 's3'),
    ];
    const publisher = await subscriber(g1!, room, 'pub');
    const count = 300;
    const acks = await Promise.all(
      Array.from({ length: count }, (_, i) => publisher.ok({ type: 'publish', room, event: 'n', data: i })),
    );
    expect(acks.map((a) => (a.result as { seq: number }).seq)).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
    for (const sub of [...subs, publisher]) await sub.waitForMessages(room, count);
    await sleep(200); // nothing extra arrives late
    for (const sub of [...subs, publisher]) expectExactlyOnceInOrder(sub, room, count);
    expect(subs[2]!.messages(room)[0]).toMatchObject({ room, event: 'n', clientId: 'pub', seq: 1 });
  });

  it('a REST publish reaches clients on every gateway; the ack carries id, seq and timestamp', async () => {
    const gws = await cluster(3);
    const room = uniqueName('rest');
    const subs = await Promise.all(gws.map((gw, i) => subscriber(gw, room, `s${i}`)));
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gws[1]!.url });
    const ack = await rest.publish(room, 'news', { hello: 'world' });
    expect(ack).toMatchObject({ seq: 1, id: expect.any(String), timestamp: expect.any(Number) });
    for (const sub of subs) {
      await sub.waitForMessages(room, 1);
      expect(sub.messages(room)).toEqual([
        expect.objectContaining({
          id: ack.id,
          seq: 1,
          event: 'news',
          data: { hello: 'world' },
          clientId: 'server:full',
        }),
      ]);
    }
  });

  it('recovers after RabbitMQ drops every connection, without restarting the gateways', async () => {
    const [g1, g2] = await cluster(2);
    const room = uniqueName('drop');
    const far = await subscriber(g2!, room, 'far');
    const publisher = await subscriber(g1!, room, 'pub');
    await publisher.ok({ type: 'publish', room, event: 'n', data: 0 });
    await far.waitForMessages(room, 1);
    // Only this cluster's connections: other test runs may share the RabbitMQ node.
    for (const gw of [g1!, g2!]) {
      await RabbitmqAdmin.closeConnections(`relaybox-gw-${gw.gateway.stats().nodeId}`);
    }
    await sleep(300);
    await waitHealthy([g1!, g2!]);
    // The bindings came back: the same subscription receives again, across gateways.
    const deadline = Date.now() + 10_000;
    let n = 1;
    while (far.messages(room).length < 2 && Date.now() < deadline) {
      await publisher.request({ type: 'publish', room, event: 'n', data: n++ });
      await sleep(100);
    }
    expect(far.messages(room).length).toBeGreaterThanOrEqual(2);
  });

  it('rejects publishes during a broker outage with a retryable error, then recovers', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5672 });
    try {
      const [g1, g2] = await cluster(2, (i) =>
        i === 0 ? `amqp://guest:guest@127.0.0.1:${proxy.port}` : 'amqp://guest:guest@127.0.0.1:5672',
      );
      const room = uniqueName('outage');
      const far = await subscriber(g2!, room, 'far');
      const publisher = await subscriber(g1!, room, 'pub');
      proxy.cut();
      await sleep(200);
      const during = await publisher.request({ type: 'publish', room, event: 'n', data: 'lost?' });
      expect(during).toMatchObject({ type: 'error', error: { code: 'broker_unavailable' } });
      const health = await fetch(`${g1!.url}/v1/health`);
      expect(health.status).toBe(503);
      proxy.restore();
      await waitHealthy([g1!]);
      await publisher.ok({ type: 'publish', room, event: 'n', data: 'after' });
      await far.waitForMessages(room, 1);
      expect(far.messages(room).map((m) => m.data)).toEqual(['after']);
    } finally {
      await proxy.close();
    }
  });

  it('a gateway back from a broker outage delivers what was published meanwhile, with no later publish', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5672 });
    try {
      const [g1, g2] = await cluster(2, (i) =>
        i === 0 ? `amqp://guest:guest@127.0.0.1:${proxy.port}` : 'amqp://guest:guest@127.0.0.1:5672',
      );
      const room = uniqueName('heal');
      const near = await subscriber(g1!, room, 'near');
      const publisher = await subscriber(g2!, room, 'pub');
      await publisher.ok({ type: 'publish', room, event: 'n', data: 0 });
      await near.waitForMessages(room, 1);
      proxy.cut();
      // g1's queue went with its connection: these reach g2's subscribers only, for now.
      for (let n = 1; n <= 3; n++) await publisher.ok({ type: 'publish', room, event: 'n', data: n });
      await publisher.waitForMessages(room, 4);
      expect(near.messages(room)).toHaveLength(1);
      proxy.restore();
      await waitHealthy([g1!]);
      // The room is quiet from here on: only the heal can bring seqs 2..4.
      await near.waitForMessages(room, 4);
      await sleep(200);
      expectExactlyOnceInOrder(near, room, 4);
      expect(near.frames.some((f) => f.type === 'discontinuity')).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('a retry of a publish whose fan-out failed delivers the stored original live, once', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5672 });
    try {
      const [g1, g2] = await cluster(2, (i) =>
        i === 0 ? `amqp://guest:guest@127.0.0.1:${proxy.port}` : 'amqp://guest:guest@127.0.0.1:5672',
      );
      const room = uniqueName('refan');
      const far = await subscriber(g2!, room, 'far');
      const publisher = await subscriber(g1!, room, 'pub');
      proxy.cut();
      await sleep(200);
      const frame = { type: 'publish', room, event: 'n', data: 'once', idempotencyKey: 'k1' } as const;
      // Stored in history (seq 1), refused at the broker: the client does not know it exists.
      expect(await publisher.request(frame)).toMatchObject({
        type: 'error',
        error: { code: 'broker_unavailable' },
      });
      proxy.restore();
      await waitHealthy([g1!]);
      const retry = await publisher.ok(frame);
      expect(retry.result).toMatchObject({ seq: 1 });
      await far.waitForMessages(room, 1);
      // A further retry of a publish that was fanned out is acknowledged, not delivered again.
      expect((await publisher.ok(frame)).result).toEqual(retry.result);
      await sleep(300);
      expect(far.messages(room).map((m) => [m.seq, m.data])).toEqual([[1, 'once']]);
    } finally {
      await proxy.close();
    }
  });
});
