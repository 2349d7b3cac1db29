import type { RelayBox, RoomMessage } from '@relaybox/client';
import type { FaultRecord } from '@relaybox/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { StackEvent } from '../src/engine.js';
import {
  client,
  devApiKey,
  docker,
  TEST_IMAGES,
  testEngine,
  uniqueStack,
  waitUntil,
} from './docker-helpers.js';

/**
 * Faults on the docker engine (host networking, link proxies on): container pause and kill of a
 * gateway, a proxy-based link fault and a slow reader (`client.slow`), each observed by SDK
 * clients on the gateways.
 * Ports: origin 19500, Redis/RabbitMQ 19510-19524, gateways 19601+.
 */
const PORT = 19500;
const gatewayUrl = (n: number) => `ws://127.0.0.1:${PORT + 100 + n}/v1/ws`;
const stack = uniqueStack();
// Its own image tag: this branch's gateway sources, without racing other worktrees over `:dev`.
const engine = testEngine(stack, {
  linkProxies: true,
  variables: { ...TEST_IMAGES, RELAYBOX_PLATFORM_IMAGE: 'relaybox-test/platform:faults' },
});
const events: StackEvent[] = [];
engine.onEvent((event) => events.push(event));
const clients: RelayBox[] = [];

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await engine.down({ volumes: true });
}, 60_000);

const faultStates = (id: string) =>
  events
    .filter((e) => e.type === 'fault' && e.fault.id === id)
    .map((e) => (e as { fault: FaultRecord }).fault.state);

/** Publishes (each attempt bounded) until the subscriber got a message with `data`. */
async function deliveredAcross(publish: () => Promise<unknown>, got: RoomMessage[], data: string) {
  await waitUntil(async () => {
    await Promise.race([publish().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    await new Promise((r) => setTimeout(r, 200));
    return got.some((m) => m.data === data);
  }, 60_000);
}

describe('fault injection on the docker engine', () => {
  it("pauses and kills a gateway container, cuts a gateway's RabbitMQ link, slows a reader; SDK clients see each and recover", {
    timeout: 400_000,
  }, async () => {
    await engine.down();
    const key = devApiKey();
    const { adminToken } = await engine.up({ port: PORT, gateways: 2, devApiKey: key });
    const a = await client(gatewayUrl(1), key, 'docker-fault-a');
    const b = await client([gatewayUrl(2), gatewayUrl(1)] as never, key, 'docker-fault-b');
    clients.push(a, b);
    const room = `faults:docker-${stack}`;
    const got: RoomMessage[] = [];
    const roomA = await a.join(room);
    (await b.join(room)).subscribe((m) => got.push(m));
    await deliveredAcross(() => roomA.publish('m', 'warm-up'), got, 'warm-up');

    // A link fault through the proxy: gateway-1 → RabbitMQ cut, publishes refused as retryable.
    const cut = await engine.faults.inject({
      kind: 'link.cut',
      target: 'gateway-1',
      link: 'amqp',
      durationMs: 60_000,
    });
    expect(cut.detail).toBe('cut gateway-1→amqp');
    const refused = await roomA.publish('m', 'during-cut').then(
      () => undefined,
      (error: { retryable: boolean }) => error,
    );
    expect(refused?.retryable).toBe(true);
    await engine.faults.heal(cut.id);
    await deliveredAcross(() => roomA.publish('m', 'after-cut'), got, 'after-cut');
    expect(faultStates(cut.id)).toEqual(['active', 'healed']);

    // A slow reader on gateway-2: it gets nothing while slowed, b (same gateway) everything; healed,
    // it gets what it missed in order.
    const slowClient = await client(gatewayUrl(2), key, 'docker-slow-c');
    clients.push(slowClient);
    const slowGot: RoomMessage[] = [];
    (await slowClient.join(room)).subscribe((m) => slowGot.push(m));
    await deliveredAcross(() => roomA.publish('m', 'before-slow'), slowGot, 'before-slow');
    const slow = await engine.faults.inject({
      kind: 'client.slow',
      target: slowClient.connectionId!,
      durationMs: 60_000,
    });
    expect(slow.detail).toContain('on gateway-2 reads 0 B/s');
    await waitUntil(async () => {
      const res = await fetch(`http://127.0.0.1:${PORT}/v1/admin/connections`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const { items } = (await res.json()) as {
        items: Array<{ connectionId: string; slowReadBytesPerSec?: number }>;
      };
      return items.some((c) => c.connectionId === slowClient.connectionId && c.slowReadBytesPerSec === 0);
    }, 20_000);
    const slowSince = slowGot.length;
    for (const data of ['slow-1', 'slow-2']) await roomA.publish('m', data);
    await waitUntil(() => got.some((m) => m.data === 'slow-2'), 20_000);
    expect(slowGot.length).toBe(slowSince);
    await engine.faults.heal(slow.id);
    await waitUntil(() => slowGot.some((m) => m.data === 'slow-2'), 20_000);
    expect(slowGot.slice(slowSince).map((m) => m.data)).toEqual(['slow-1', 'slow-2']);
    expect(faultStates(slow.id)).toEqual(['active', 'healed']);

    // Pause gateway-2's container: Docker reports it paused; unpaused, it delivers again.
    const pause = await engine.faults.inject({
      kind: 'gateway.pause',
      target: 'gateway-2',
      durationMs: 3000,
    });
    const container = docker.getContainer(`${stack}-gateway-2`);
    expect((await container.inspect()).State.Paused).toBe(true);
    await waitUntil(() => faultStates(pause.id).includes('healed'), 30_000);
    expect((await container.inspect()).State.Paused).toBe(false);
    await deliveredAcross(() => roomA.publish('m', 'after-pause'), got, 'after-pause');

    // Kill gateway-2's container: b fails over to gateway-1; the fault ends once it is healthy again.
    const states: string[] = [];
    b.connection.on('statechange', ({ current }) => states.push(current));
    const kill = await engine.faults.inject({ kind: 'gateway.kill', target: 'gateway-2' });
    expect(kill.detail).toContain('killed gateway-2');
    await waitUntil(() => states.includes('disconnected') && b.connection.state === 'connected', 60_000);
    await deliveredAcross(() => roomA.publish('m', 'after-kill'), got, 'after-kill');
    await waitUntil(() => faultStates(kill.id).includes('healed'), 180_000);
    expect(engine.faults.list().find((f) => f.id === kill.id)).toMatchObject({
      state: 'healed',
      endedBy: 'done',
    });
    expect((await engine.status()).services.find((s) => s.name === 'gateway-2')?.state).toBe('healthy');
  });
});
