import { TcpProxy } from '@relaybox/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, sleep, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// The publishes of one room that reach a gateway in the same event-loop turn are appended to Redis
// in one script call: every guarantee of a publish holds for each of them, through a failed call.

const running: RunningGateway[] = [];
const clients: TestClient[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function subscriber(gw: RunningGateway, room: string, clientId: string): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId });
  clients.push(client);
  await client.joinAndSubscribe(room);
  return client;
}

describe('publishes appended to Redis in one call per room and turn', () => {
  it('a batch whose Redis reply is lost fails every publish of it, nothing acked or delivered; retries deliver each once', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    proxies.push(proxy);
    const exchange = uniqueName('test.histbatch');
    const redisPrefix = `${uniqueName('test')}:`;
    const limits = { publishRatePerSecond: 10_000, publishBurst: 10_000 };
    const common = { broker: 'amqp' as const, store: 'redis' as const, exchange, redisPrefix, limits };
    // Gateway 1 reaches Redis through the proxy; gateway 2 directly.
    const g1 = await startTestGateway({ ...common, redisUrl: `redis://127.0.0.1:${proxy.port}` });
    running.push(g1);
    const g2 = await startTestGateway(common);
    running.push(g2);
    const room = uniqueName('batch');
    const far = await subscriber(g2, room, 'far');
    const publisher = await subscriber(g1, room, 'pub');
    await publisher.ok({ type: 'publish', room, event: 'n', data: 0, idempotencyKey: 'k0' });
    await far.waitForMessages(room, 1);

    // Redis replies to gateway 1 now take 1.5 s: the batch is stored, then its reply is cut.
    proxy.latency({ latencyMs: 1500 });
    const frames = [1, 2, 3, 4, 5].map((n) => ({
      type: 'publish',
      room,
      event: 'n',
      data: n,
      idempotencyKey: `k${n}`,
    }));
    const replies = Promise.all(frames.map((frame) => publisher.request(frame)));
    // Gateway 2 reads history directly: the batch is stored once it holds 6 messages.
    const stored = async () =>
      ((await far.ok({ type: 'history', room, query: {} })).result as { items: unknown[] }).items.length;
    const deadline = Date.now() + 10_000;
    while ((await stored()) < 6 && Date.now() < deadline) await sleep(100); // within the request budget
    expect(await stored()).toBe(6);
    proxy.cut();
    const failed = await replies;
    expect(failed.map((reply) => reply.type === 'error' && reply.error.code)).toEqual(
      Array(5).fill('store_unavailable'),
    );
    proxy.clearToxics();
    proxy.restore();
    await sleep(300);
    expect(far.messages(room).map((m) => m.data)).toEqual([0]);

    // Retried with their keys: each is acked with the seq it was stored under, and fanned out once.
    let acks: Awaited<ReturnType<TestClient['request']>>[] = [];
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      acks = await Promise.all(frames.map((frame) => publisher.request(frame)));
      if (acks.every((reply) => reply.type === 'ack')) break;
      await sleep(200);
    }
    expect(acks.map((reply) => reply.type === 'ack' && (reply.result as { seq: number }).seq)).toEqual([
      2, 3, 4, 5, 6,
    ]);
    await far.waitForMessages(room, 6);
    await sleep(200); // nothing extra arrives late
    expect(far.messages(room).map((m) => [m.seq, m.data])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      [6, 5],
    ]);
  }, 60_000);
});
