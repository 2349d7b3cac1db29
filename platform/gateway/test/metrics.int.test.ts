import { RelayBox, type RoomMetrics } from '@relaybox/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  ALPHA_LIMITED,
  apiKeyOf,
  sleep,
  startTestGateway,
  TestClient,
  uniqueName,
  wsUrl,
} from './harness.js';

// Room metrics across two gateways (Redis store) and Prometheus /metrics of one process.
let gws: RunningGateway[];
beforeAll(async () => {
  const exchange = uniqueName('test.metrics');
  const redisPrefix = `${uniqueName('test')}:`;
  gws = [];
  for (let i = 0; i < 2; i++) {
    gws.push(
      await startTestGateway({
        broker: 'amqp',
        store: 'redis',
        exchange,
        redisPrefix,
        limits: { publishRatePerSecond: 1000, publishBurst: 1000 },
        env: i === 1 ? { RELAYBOX_METRICS_TOKEN: 'scrape-token-0001' } : {},
      }),
    );
  }
});
afterAll(() => Promise.all(gws.map((g) => g.shutdown())));

describe('room metrics', () => {
  it('pushes cluster-wide figures at most once per second to room.metrics subscribers', async () => {
    const room = uniqueName('m');
    const subs = await Promise.all(
      gws.map(async (gw, i) => {
        const c = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId: `s${i}` });
        await c.joinAndSubscribe(room);
        return c;
      }),
    );
    const relay = new RelayBox({
      url: wsUrl(gws[0]!),
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'watcher',
      WebSocket: WebSocket as never,
    });
    await relay.connect();
    const handle = await relay.join(room);
    const pushes: RoomMetrics[] = [];
    const off = handle.metrics.subscribe((m) => pushes.push(m));
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      await subs[1]!.ok({ type: 'publish', room, event: 'e', data: i });
      await sleep(50);
    }
    await sleep(1500);
    const elapsed = (Date.now() - started) / 1000;
    expect(pushes.length).toBeGreaterThanOrEqual(2);
    expect(pushes.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    const busy = pushes.find((m) => m.messagesInPerSecond > 0);
    expect(busy).toBeDefined();
    expect(busy).toMatchObject({ room, subscribers: 2, connections: 3 });
    expect(busy!.messagesOutPerSecond).toBeGreaterThan(busy!.messagesInPerSecond); // two subscribers each
    expect(busy!.bytesInPerSecond).toBeGreaterThan(0);
    off();
    const count = pushes.length;
    await sleep(1500);
    expect(pushes.length).toBe(count); // unsubscribed: no more pushes
    await relay.close();
    await Promise.all(subs.map((s) => s.close()));
  });

  it('needs the metrics permission', async () => {
    const limited = await TestClient.connect(wsUrl(gws[0]!), { apiKey: apiKeyOf(ALPHA_LIMITED) });
    await limited.ok({ type: 'join', room: 'chat:m' });
    expect(await limited.request({ type: 'metrics.subscribe', room: 'chat:m' })).toMatchObject({
      error: { code: 'permission_denied' },
    });
    await limited.close();
  });
});

describe('Prometheus /metrics', () => {
  it('exposes the process and RelayBox metrics of this gateway', async () => {
    const c = await TestClient.connect(wsUrl(gws[0]!), { apiKey: apiKeyOf(ALPHA_FULL) });
    const room = uniqueName('prom');
    await c.joinAndSubscribe(room);
    await c.ok({ type: 'publish', room, event: 'e', data: 'x' });
    await c.waitForMessages(room, 1);
    const res = await fetch(`${gws[0]!.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/relaybox_connections\{app="alpha"\} [1-9]/);
    expect(text).toMatch(/relaybox_messages_published_total\{app="alpha"\} [1-9]/);
    expect(text).toMatch(/relaybox_messages_delivered_total\{app="alpha"\} [1-9]/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    await c.close();
  });

  it('requires the bearer token when one is configured', async () => {
    expect((await fetch(`${gws[1]!.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${gws[1]!.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${gws[1]!.url}/metrics`, {
      headers: { authorization: 'Bearer scrape-token-0001' },
    });
    expect(ok.status).toBe(200);
  });
});
