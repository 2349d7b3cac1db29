import type { RelayBox } from '@relaybox/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { StackEvent } from '../src/engine.js';
import {
  client,
  devApiKey,
  docker,
  health,
  leftovers,
  testEngine,
  uniqueStack,
  waitUntil,
} from './docker-helpers.js';

/**
 * The docker engine against this machine's real Docker engine (started by .ci/run, images from
 * scripts/docker-test-images.sh). Ports: origin 19000, Redis/RabbitMQ 19010-19024, gateways 19101+.
 */
const PORT = 19000;
const BRIDGE_PORT = 19070;
const gatewayPort = (n: number) => PORT + 100 + n;
const stack = uniqueStack();
const engine = testEngine(stack);
const events: StackEvent[] = [];
engine.onEvent((event) => events.push(event));
const clients: RelayBox[] = [];

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await engine.down({ volumes: true });
}, 60_000);

/** Node ids that answer through an origin (nginx round robin over every upstream). */
async function nodesBehind(port: number, requests: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) seen.add((await health(port)).nodeId);
  return [...seen].sort();
}

async function danglingVolumes(): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { dangling: ['true'] } });
  return (Volumes ?? []).map((v) => v.Name);
}

describe('DockerEngine (host networking, local base images)', () => {
  it('brings the stack up healthy, delivers across gateways, scales, survives a killed gateway and leaves nothing on down', {
    timeout: 300_000,
  }, async () => {
    await engine.down(); // a retry starts from a clean slate
    const key = devApiKey();
    const danglingBefore = await danglingVolumes();
    const up = await engine.up({ port: PORT, gateways: 2, devApiKey: key });
    expect(up.devApiKey).toBe(key);
    expect(up.status.state).toBe('running');
    expect(up.status.endpoints.websocket).toBe(`ws://localhost:${PORT}/v1/ws`);
    expect(up.status.services.map((s) => `${s.name}:${s.state}`).sort()).toEqual(
      ['gateway-1', 'gateway-2', 'nginx', 'rabbitmq', 'redis', 'worker'].map((n) => `${n}:healthy`),
    );
    expect(events.some((e) => e.type === 'progress' && e.step === 'stack healthy')).toBe(true);
    // The origin routes REST and the console to the gateways (the console is built by `npm test`).
    expect((await health(PORT)).nodeId).toMatch(/^gateway-[12]$/);
    const consolePage = await fetch(`http://127.0.0.1:${PORT}/console/`);
    if (consolePage.status === 200) expect(await consolePage.text()).toMatch(/<html/i);
    else expect(await consolePage.text()).toMatch(/the console is not built/);

    // Logs are demultiplexed per container; a fresh engine sees the stack by its labels.
    const lines: string[] = [];
    await engine.logs('gateway', { tail: 50 }, (e) => lines.push(`${e.service}/${e.stream}: ${e.line}`));
    expect(lines.some((l) => l.startsWith('gateway-1/stdout: RelayBox gateway gateway-1'))).toBe(true);
    expect(lines.some((l) => l.startsWith('gateway-2/stdout: RelayBox gateway gateway-2'))).toBe(true);
    const followed: string[] = [];
    const stop = await engine.logs('worker', { follow: true, tail: 20 }, (e) => followed.push(e.line));
    await waitUntil(() => followed.some((l) => l.startsWith('RelayBox worker worker processing')));
    stop();
    const other = testEngine(stack);
    expect((await other.status()).services.map((s) => s.name)).toEqual([
      'gateway-1',
      'gateway-2',
      'nginx',
      'rabbitmq',
      'redis',
      'worker',
    ]);

    // alice and bob are pinned to different gateways; carol comes in through nginx.
    const alice = await client(`ws://127.0.0.1:${gatewayPort(1)}/v1/ws`, key, 'alice');
    const bob = await client(`ws://127.0.0.1:${gatewayPort(2)}/v1/ws`, key, 'bob');
    const carol = await client(`ws://127.0.0.1:${PORT}/v1/ws`, key, 'carol');
    clients.push(alice, bob, carol);
    const room = `docker:${stack}`;
    const bobGot: unknown[] = [];
    const carolGot: unknown[] = [];
    const bobRoom = await bob.join(room);
    bobRoom.subscribe('note', (msg) => bobGot.push(msg.data));
    (await carol.join(room)).subscribe('note', (msg) => carolGot.push(msg.data));
    const aliceRoom = await alice.join(room);
    // Publish until the other gateway delivers (its shard binding may trail the first ack).
    await waitUntil(async () => {
      await aliceRoom.publish('note', 'across gateways').catch(() => {});
      return bobGot.includes('across gateways') && carolGot.includes('across gateways');
    });

    await engine.scale('gateway', 3);
    expect((await health(gatewayPort(3))).nodeId).toBe('gateway-3');
    await waitUntil(async () => (await nodesBehind(PORT, 9)).includes('gateway-3'));
    await engine.scale('gateway', 2);
    expect((await leftovers(stack)).containers).toBe(6);
    expect(await nodesBehind(PORT, 9)).toEqual(['gateway-1', 'gateway-2']);

    // Kill the gateway carol is on: the engine reports it, carol reconnects through nginx.
    const carolOn = (await health(gatewayPort(1))).connections === 2 ? 1 : 2;
    const senderRoom = carolOn === 1 ? bobRoom : aliceRoom;
    await docker.getContainer(`${stack}-gateway-${carolOn}`).kill();
    await waitUntil(() =>
      events.some(
        (e) => e.type === 'service' && e.status.name === `gateway-${carolOn}` && e.status.state === 'exited',
      ),
    );
    expect((await engine.status()).state).toBe('degraded');
    await waitUntil(async () => {
      await senderRoom.publish('note', 'after the kill').catch(() => {});
      return carolGot.includes('after the kill');
    }, 60_000);
    expect(carol.connection.state).toBe('connected');

    await engine.down();
    const left = await leftovers(stack);
    expect(left.containers).toBe(0);
    expect(left.networks).toBe(0);
    // Named volumes stay (like `docker compose down`); no anonymous volume was created.
    expect(left.volumes.sort()).toEqual(
      ['platform-data', 'rabbitmq-data', 'redis-data'].map((v) => `${stack}_${v}`),
    );
    const danglingAfter = await danglingVolumes();
    expect(danglingAfter.filter((v) => !danglingBefore.includes(v) && !left.volumes.includes(v))).toEqual([]);
    expect((await engine.status()).state).toBe('stopped');
  });

  it('runs the same definition on a bridge network: service DNS names, only the origin published', {
    timeout: 180_000,
  }, async () => {
    const bridgeStack = uniqueStack();
    const bridge = testEngine(bridgeStack, { network: 'bridge' });
    try {
      await bridge.up({ port: BRIDGE_PORT, gateways: 2, devApiKey: devApiKey() });
      await waitUntil(async () => (await nodesBehind(BRIDGE_PORT, 6)).length === 2);
      expect(await nodesBehind(BRIDGE_PORT, 6)).toEqual(['gateway-1', 'gateway-2']);
      // Only nginx publishes a port; the gateways are reachable on the stack's network only.
      const gateway = await docker.getContainer(`${bridgeStack}-gateway-1`).inspect();
      expect(gateway.HostConfig.NetworkMode).toBe(`${bridgeStack}_default`);
      expect(gateway.HostConfig.PortBindings ?? {}).toEqual({});
      const nginx = await docker.getContainer(`${bridgeStack}-nginx`).inspect();
      expect(Object.keys(nginx.HostConfig.PortBindings ?? {})).toEqual([`${BRIDGE_PORT}/tcp`]);
      await bridge.scale('gateway', 3);
      await waitUntil(async () => (await nodesBehind(BRIDGE_PORT, 9)).includes('gateway-3'));
    } finally {
      await bridge.down({ volumes: true });
    }
    expect(await leftovers(bridgeStack)).toEqual({ containers: 0, networks: 0, volumes: [] });
  });
});
