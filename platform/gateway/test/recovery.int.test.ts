import { RelayBox } from '@relaybox/client';
import { TcpProxy } from '@relaybox/core/testing';
import { RelayBoxRest } from '@relaybox/rest';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, sleep, startTestGateway, uniqueName, wsUrl } from './harness.js';

// Guaranteed delivery across reconnects, seen by the application through @relaybox/client:
// a numbered stream keeps flowing while the subscriber's link is cut and it comes back on the
// OTHER gateway; the app must see every number exactly once, in order.
const running: RunningGateway[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

async function cluster(env: Record<string, string> = {}) {
  const exchange = uniqueName('test.recovery');
  const redisPrefix = `${uniqueName('test')}:`;
  const limits = { publishRatePerSecond: 10_000, publishBurst: 10_000 };
  for (let i = 0; i < 2; i++) {
    running.push(
      await startTestGateway({ broker: 'amqp', store: 'redis', exchange, redisPrefix, limits, env }),
    );
  }
  return running;
}

/** A publisher sending 1, 2, 3, ... every few ms through the REST API of gateway 2. */
function numberedStream(gw: RunningGateway, room: string) {
  const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gw.url });
  let n = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      n++;
      await rest.publish(room, 'n', n);
      await sleep(3);
    }
  })();
  return {
    get sent() {
      return n;
    },
    stop: async () => {
      stopped = true;
      await done;
      return n;
    },
  };
}

async function subscriber(urls: string[], room: string) {
  const relay = new RelayBox({
    url: urls,
    apiKey: apiKeyOf(ALPHA_FULL),
    clientId: 'reader',
    WebSocket: WebSocket as never,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 100,
  });
  await relay.connect();
  const handle = await relay.join(room);
  const seen: number[] = [];
  const gaps: unknown[] = [];
  handle.subscribe('n', (m) => seen.push(m.data as number));
  handle.on('discontinuity', (info) => gaps.push(info));
  await handle.ready();
  return { relay, seen, gaps };
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('recovery across gateways', () => {
  it('client-side network drop: resumes on the other gateway, every number once, in order', async () => {
    const [g1, g2] = await cluster();
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: g1!.port });
    proxies.push(proxy);
    const room = uniqueName('stream');
    const { relay, seen, gaps } = await subscriber([wsUrl(proxy.port), wsUrl(g2!)], room);
    const stream = numberedStream(g2!, room);
    await until(() => seen.length >= 20);
    const firstConnection = relay.connectionId;
    proxy.cut(); // the link to gateway 1 dies without a close frame; the SDK moves to gateway 2
    await sleep(600);
    const last = await stream.stop();
    await until(() => seen.length >= last);
    await sleep(200);
    expect(seen).toEqual(range(1, last));
    expect(gaps).toEqual([]);
    expect(relay.connectionId).toBe(firstConnection); // resumed, not a new session
    await relay.close();
  });

  it('server-side close (gateway shutdown, 4000): resumes on the other gateway, every number once, in order', async () => {
    const [g1, g2] = await cluster();
    const room = uniqueName('stream');
    const { relay, seen } = await subscriber([wsUrl(g1!), wsUrl(g2!)], room);
    const stream = numberedStream(g2!, room);
    await until(() => seen.length >= 20);
    await g1!.shutdown();
    await sleep(300);
    const last = await stream.stop();
    await until(() => seen.length >= last);
    await sleep(200);
    expect(seen).toEqual(range(1, last));
    await relay.close();
  });

  it('two publishers on two gateways: the app sees every seq once, in seq order', async () => {
    const [g1, g2] = await cluster();
    const room = uniqueName('two');
    const { relay } = await subscriber([wsUrl(g1!)], room);
    const handle = await relay.join(room);
    const seqs: number[] = [];
    handle.subscribe('n', (m) => seqs.push(m.seq));
    await handle.ready();
    const rests = [g1!, g2!].map((gw) => new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gw.url }));
    // Both publish at once, so seqs interleave and can reach the subscriber's gateway out of order.
    await Promise.all(
      rests.map(async (rest, p) => {
        for (let i = 0; i < 150; i++) await rest.publish(room, 'n', `${p}-${i}`);
      }),
    );
    await until(() => seqs.length >= 300);
    await sleep(300);
    expect(seqs).toEqual(range(1, 300));
    await relay.close();
  });

  it('offline longer than the resume window: a fresh session, still caught up from history', async () => {
    const [g1, g2] = await cluster({ RELAYBOX_RESUME_WINDOW_SEC: '1' });
    const p1 = await TcpProxy.start({ host: '127.0.0.1', port: g1!.port });
    const p2 = await TcpProxy.start({ host: '127.0.0.1', port: g2!.port });
    proxies.push(p1, p2);
    const room = uniqueName('late');
    const { relay, seen, gaps } = await subscriber([wsUrl(p1.port), wsUrl(p2.port)], room);
    const first = relay.connectionId;
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: g2!.url });
    for (let n = 1; n <= 3; n++) await rest.publish(room, 'n', n);
    await until(() => seen.length === 3);
    p1.cut();
    p2.cut();
    for (let n = 4; n <= 10; n++) await rest.publish(room, 'n', n);
    await sleep(2500); // past the 1 s resume window
    p2.restore();
    await until(() => seen.length >= 10);
    expect(relay.connectionId).not.toBe(first); // the old session expired: a new one
    expect(seen).toEqual(range(1, 10));
    expect(gaps).toEqual([]);
    await relay.close();
  });

  it('history trimmed below the gap: the room reports a discontinuity, then goes on in order', async () => {
    const [g1, g2] = await cluster({ RELAYBOX_HISTORY_MAX_MESSAGES: '20' });
    const p1 = await TcpProxy.start({ host: '127.0.0.1', port: g1!.port });
    const p2 = await TcpProxy.start({ host: '127.0.0.1', port: g2!.port });
    proxies.push(p1, p2);
    const room = uniqueName('trimmed');
    const { relay, seen, gaps } = await subscriber([wsUrl(p1.port), wsUrl(p2.port)], room);
    const rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: g2!.url });
    for (let n = 1; n <= 5; n++) await rest.publish(room, 'n', n);
    await until(() => seen.length === 5);
    p1.cut();
    p2.cut(); // offline everywhere
    for (let n = 6; n <= 60; n++) await rest.publish(room, 'n', n); // history keeps 41..60
    p2.restore();
    await until(() => seen.length >= 25);
    expect(gaps).toEqual([{ fromSeq: 6, oldestSeq: 41 }]);
    expect(seen).toEqual([...range(1, 5), ...range(41, 60)]);
    await relay.close();
  });
});
