import { redisClusterUrl } from '@relaybox/adapters';
import { type RedisClusterProcess, startRedisCluster } from '@relaybox/adapters/testing';
import { RelayBox } from '@relaybox/client';
import { TcpProxy } from '@relaybox/core/testing';
import { RelayBoxRest } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, sleep, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// Two real gateways whose every Redis store (history, presence, sessions, metrics, inspector,
// traces, BullMQ) runs on a real 3-primary Redis Cluster started for this file, sharing RabbitMQ:
// a message crosses gateways, a link cut resumes on the other gateway with every message once, and
// presence follows a resumed connection without a flap.
let cluster: RedisClusterProcess;
let gws: RunningGateway[] = [];
const closers: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3 });
  const redisUrl = redisClusterUrl(cluster.seeds);
  const exchange = uniqueName('test.rcluster');
  const redisPrefix = `${uniqueName('test')}:`;
  const limits = { publishRatePerSecond: 10_000, publishBurst: 10_000 };
  const env = { RELAYBOX_PRESENCE_GRACE_MS: '1500' };
  for (let i = 0; i < 2; i++) {
    gws.push(
      await startTestGateway({
        broker: 'amqp',
        store: 'redis',
        redisUrl,
        exchange,
        redisPrefix,
        limits,
        env,
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await Promise.all(gws.map((g) => g.shutdown()));
  gws = [];
  await cluster?.stop();
});

async function connect(
  gw: RunningGateway,
  clientId: string,
  resume?: { connectionId: string; secret: string },
) {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId, resume });
  closers.push(() => client.ws.terminate());
  return client;
}

async function until(check: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(20);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('gateways on a Redis Cluster', () => {
  it('presence crosses gateways and follows a connection resumed on the other gateway, without a flap', async () => {
    const room = uniqueName('p');
    const watcher = await connect(gws[1]!, 'watcher');
    await watcher.ok({ type: 'join', room });
    await watcher.ok({ type: 'presence.subscribe', room });
    const ann = await connect(gws[0]!, 'ann');
    await ann.ok({ type: 'join', room });
    await ann.ok({ type: 'presence', room, action: 'enter', data: { status: 'here' } });
    await ann.ok({ type: 'presence', room, action: 'update', data: { status: 'away' } });
    await watcher.waitFor(() => watcher.presenceEvents(room).length >= 2, 10_000);
    expect(watcher.presenceEvents(room).map((e) => e.action)).toEqual(['enter', 'update']);

    const offer = ann.resumeOffer;
    ann.ws.terminate();
    // Resumed at once, even while gateway 1 may still count the old socket as attached (takeover).
    const back = await connect(gws[1]!, 'ann', offer);
    expect(back.connected).toMatchObject({ resumed: true, connectionId: offer.connectionId });
    // The 1.5 s grace of the dropped socket passes: a leave now would be a flap.
    await sleep(2500);
    expect(watcher.presenceEvents(room).map((e) => e.action)).toEqual(['enter', 'update']);
    const got = (await watcher.ok({ type: 'presence.get', room })).result as {
      members: { clientId: string }[];
    };
    expect(got.members.map((m) => m.clientId)).toEqual(['ann']);

    await back.ok({ type: 'presence', room, action: 'leave' });
    await watcher.waitFor(() => watcher.presenceEvents(room).length >= 3, 10_000);
    expect(watcher.presenceEvents(room).map((e) => e.action)).toEqual(['enter', 'update', 'leave']);
  });

  it('a link cut mid-stream resumes on the other gateway: every number once, in order', async () => {
    const [g1, g2] = gws as [RunningGateway, RunningGateway];
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: g1.port });
    closers.push(() => proxy.close());
    const room = uniqueName('stream');
    const relay = new RelayBox({
      url: [wsUrl(proxy.port), wsUrl(g2)],
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'reader',
      WebSocket: WebSocket as never,
      minReconnectDelayMs: 20,
      maxReconnectDelayMs: 100,
    });
    closers.push(() => relay.close());
    await relay.connect();
    const handle = await relay.join(room);
    const seen: number[] = [];
    const gaps: unknown[] = [];
    handle.subscribe('n', (m) => seen.push(m.data as number));
    handle.on('discontinuity', (info) => gaps.push(info));
    const firstConnection = relay.connectionId;

    // Published through gateway 2's REST API, so every message crosses to gateway 1 first.
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: g2.url });
    // The subscription starts where the server took the subscribe, which `subscribe()` does not
    // wait for: the numbers start once a warm-up message came through.
    let live = false;
    handle.subscribe('warm-up', () => {
      live = true;
    });
    for (let i = 0; !live; i++) {
      if (i === 100) throw new Error('the subscription never went live');
      await rest.publish(room, 'warm-up', i);
      await sleep(20);
    }
    let sent = 0;
    const publish = async (count: number) => {
      for (let i = 0; i < count; i++) await rest.publish(room, 'n', ++sent);
    };
    await publish(50);
    const state = () =>
      `seen ${seen.length}/${sent}, last ${seen.at(-1)}, gaps ${JSON.stringify(gaps)}, ` +
      `connection ${relay.connectionId} (first ${firstConnection}) missing ${range(1, sent).filter((n) => !seen.includes(n))}`;
    await until(
      () => seen.length >= 20,
      () => `the first messages: ${state()}`,
    );
    proxy.cut(); // gateway 1's link dies without a close frame; the SDK moves to gateway 2
    await publish(150);
    await until(
      () => seen.length >= sent,
      () => `every message: ${state()}`,
    );
    await sleep(200);
    expect(seen).toEqual(range(1, sent));
    expect(gaps).toEqual([]);
    expect(relay.connectionId).toBe(firstConnection); // resumed, not a new session
  });

  it('keeps its state on the cluster, spread over more than one primary', async () => {
    const sizes = await Promise.all(
      cluster.nodes.map(async (node) => Number(await cluster.cli(node, 'DBSIZE'))),
    );
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
