import { randomBytes } from 'node:crypto';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import type { FaultRecord, TraceEvent } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, startDaemon } from '../src/daemon/index.js';
import { openSse, rawRequest, type SseClient } from './daemon-test-client.js';
import { client, waitUntil } from './docker-helpers.js';
import { NativeStack } from './native-stack.js';

/** Waits for a publish to settle, at most 3 s (a publish on a socket being replaced may wait for it). */
function settled(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
}

/**
 * Every fault kind against a real native stack (2 gateways, real Redis and RabbitMQ), injected
 * through the daemon's `/api/faults`, observed by SDK clients connected to each gateway, and seen
 * on the daemon's event stream and the stack's traces timeline.
 */
describe('fault injection on the native engine (2 gateways)', () => {
  const stack = new NativeStack('faults');
  const { engine, gatewayUrl } = stack;
  let daemon: RunningDaemon;
  let events: SseClient;
  const relays: RelayBox[] = [];

  const api = (path: string, body?: unknown) =>
    rawRequest(`${daemon.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${daemon.secret}` },
      ...(body === undefined ? {} : { body }),
    });
  const inject = async (spec: Record<string, unknown>): Promise<FaultRecord> => {
    const res = await api('/api/faults', spec);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as FaultRecord;
  };
  // A restarted gateway takes a few seconds (more under load) to be back: waits are generous.
  const ended = (id: string) =>
    waitUntil(
      () =>
        events.events.some(
          (e) =>
            (e as { fault?: FaultRecord }).fault?.id === id &&
            (e as { fault: FaultRecord }).fault.state !== 'active',
        ),
      45_000,
    );
  const connect = async (gateway: string | string[], clientId: string): Promise<RelayBox> => {
    await refreshGateways(); // a restarted gateway listens on a new port
    const urls = (Array.isArray(gateway) ? gateway : [gateway]).map((g) => gatewayUrl[g]!);
    const relay = await client(urls.length === 1 ? urls[0]! : (urls as never), stack.devApiKey, clientId);
    relays.push(relay);
    return relay;
  };

  const refreshGateways = () => stack.refreshGateways();

  beforeAll(async () => {
    await stack.up();
    daemon = await startDaemon({
      engine,
      credentials: { adminToken: stack.adminToken, devApiKey: stack.devApiKey },
    });
    events = await openSse(`${daemon.url}/api/events`, { authorization: `Bearer ${daemon.secret}` });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(relays.map((r) => r.close()));
    events?.close();
    await daemon?.close();
    await stack.down();
  }, 30_000);

  it('refuses a bad spec (400 invalid_argument) and an unknown fault id (404)', async () => {
    const bad = await api('/api/faults', { kind: 'link.slow', latencyMs: -5 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_argument' } });
    const unknown = await api('/api/faults', { kind: 'meteor.strike' });
    expect(unknown.body).toMatchObject({ error: { code: 'invalid_argument' } });
    const heal = await api('/api/faults/f-nope/heal', {});
    expect(heal.status).toBe(404);
    expect(heal.body).toMatchObject({ error: { code: 'fault_not_found' } });
  });

  it('RabbitMQ links cut (broker.stop): publishes are refused as retryable, then fan-out recovers', {
    timeout: 60_000,
  }, async () => {
    const room = `faults:broker-${randomBytes(3).toString('hex')}`;
    const publisher = await connect('gateway-1', 'pub-broker');
    const subscriber = await connect('gateway-2', 'sub-broker');
    const got: RoomMessage[] = [];
    const pubRoom = await publisher.join(room);
    (await subscriber.join(room)).subscribe((m) => got.push(m));
    await waitUntil(async () => {
      await settled(pubRoom.publish('m', 'before'));
      return got.length > 0;
    }, 20_000);

    const fault = await inject({ kind: 'broker.stop', durationMs: 60_000 });
    expect(fault.detail).toContain('gateway-1→amqp');
    const refused = await pubRoom.publish('m', 'during').then(
      () => undefined,
      (error: { code: string; retryable: boolean }) => error,
    );
    expect(refused, 'a publish while the broker is unreachable').toBeDefined();
    expect(refused?.retryable).toBe(true);

    const healed = await api(`/api/faults/${fault.id}/heal`, {});
    expect(healed.body).toMatchObject({ state: 'healed', endedBy: 'heal' });
    await waitUntil(async () => {
      await settled(pubRoom.publish('m', 'after'));
      await new Promise((r) => setTimeout(r, 300));
      return got.some((m) => m.data === 'after');
    }, 30_000);
    await ended(fault.id);
  });

  it('link.slow on gateway-1 → Redis: publishes still succeed, each at least the added latency', {
    timeout: 30_000,
  }, async () => {
    const relay = await connect('gateway-1', 'pub-slow');
    const room = await relay.join(`faults:slow-${randomBytes(3).toString('hex')}`);
    const fault = await inject({
      kind: 'link.slow',
      target: 'gateway-1',
      link: 'redis',
      latencyMs: 200,
      durationMs: 20_000,
    });
    const started = Date.now();
    await room.publish('m', 'slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await api(`/api/faults/${fault.id}/heal`, {});
    await room.publish('m', 'fast');
  });

  it('link.cut gateway-1 → Redis: its publishes are refused as retryable until the link is back', {
    timeout: 60_000,
  }, async () => {
    const relay = await connect('gateway-1', 'pub-cut');
    const room = await relay.join(`faults:cut-${randomBytes(3).toString('hex')}`);
    const fault = await inject({ kind: 'link.cut', target: 'gateway-1', link: 'redis', durationMs: 60_000 });
    expect(fault.detail).toBe('cut gateway-1→redis');
    const refused = await room.publish('m', 'during').then(
      () => undefined,
      (error: { retryable: boolean }) => error,
    );
    expect(refused?.retryable).toBe(true);
    await api(`/api/faults/${fault.id}/heal`, {});
    await waitUntil(
      async () => (await settled(room.publish('m', 'after').then(() => true))) === true,
      30_000,
    );
  });

  it('gateway.pause: the gateway goes unhealthy, then serves its client again once continued', {
    timeout: 60_000,
  }, async () => {
    const relay = await connect('gateway-2', 'paused-client');
    const room = await relay.join(`faults:pause-${randomBytes(3).toString('hex')}`);
    const fault = await inject({ kind: 'gateway.pause', target: 'gateway-2', durationMs: 5000 });
    expect(fault.detail).toMatch(/SIGSTOP pid \d+ \(gateway-2\)/);
    await waitUntil(
      () =>
        events.events.some(
          (e) =>
            (e as { status?: { name: string; state: string } }).status?.name === 'gateway-2' &&
            (e as { status: { state: string } }).status.state === 'unhealthy',
        ),
      15_000,
    );
    await ended(fault.id);
    await waitUntil(
      async () =>
        await room.publish('m', 'back').then(
          () => true,
          () => false,
        ),
      30_000,
    );
  });

  it('gateway.kill: the client fails over and the fault ends once the gateway is back', {
    timeout: 60_000,
  }, async () => {
    const relay = await connect(['gateway-1', 'gateway-2'], 'killed-client');
    const states: string[] = [];
    relay.connection.on('statechange', ({ current }) => states.push(current));
    const fault = await inject({ kind: 'gateway.kill', target: 'gateway-1' });
    expect(fault.detail).toMatch(/SIGKILL pid \d+ \(gateway-1\)/);
    await waitUntil(() => states.includes('disconnected') && relay.connection.state === 'connected', 30_000);
    await ended(fault.id);
    const last = (await api('/api/faults')).body as { items: FaultRecord[] };
    expect(last.items.find((f) => f.id === fault.id)).toMatchObject({ state: 'healed', endedBy: 'done' });
  });

  it("broker.drop-connections closes exactly this stack's 2 gateway connections; fan-out recovers", {
    timeout: 90_000,
  }, async () => {
    const fault = await inject({ kind: 'broker.drop-connections' });
    expect(fault.detail).toMatch(/closed 2 RabbitMQ connection\(s\) of this stack/);
    const room = `faults:drop-${randomBytes(3).toString('hex')}`;
    try {
      const a = await (await connect('gateway-1', 'pub-drop')).join(room);
      const got: unknown[] = [];
      (await (await connect('gateway-2', 'sub-drop')).join(room)).subscribe((m) => got.push(m.data));
      await waitUntil(async () => {
        await settled(a.publish('m', 'x'));
        await new Promise((r) => setTimeout(r, 200));
        return got.length > 0;
      }, 30_000);
    } catch (error) {
      const lines: string[] = [];
      for (const name of ['gateway-1', 'gateway-2'])
        (await engine.logs(name, { tail: 15 }, (l) => lines.push(`${name}: ${l.line}`)))();
      throw new Error(`${(error as Error).message}\n${JSON.stringify(gatewayUrl)}\n${lines.join('\n')}`);
    }
  });

  it('worker.kill and worker.restart bring the worker back', { timeout: 60_000 }, async () => {
    const killed = await inject({ kind: 'worker.kill' });
    await ended(killed.id);
    const restarted = await inject({ kind: 'worker.restart' });
    expect(restarted.detail).toBe('worker restarted');
    expect((await engine.status()).services.find((s) => s.name === 'worker')?.state).toBe('running');
  });

  it('client.expire-token closes the connection with token_expired', { timeout: 30_000 }, async () => {
    const relay = await connect('gateway-2', 'expiring-client');
    await inject({ kind: 'client.expire-token', target: relay.connectionId! });
    await waitUntil(() => relay.connection.state === 'failed', 10_000);
    expect(relay.connection.errorReason?.code).toBe('token_expired');
  });

  it('every fault and its end are on the event stream and the traces timeline', {
    timeout: 30_000,
  }, async () => {
    await waitUntil(
      () =>
        events.events.filter((e) => (e as { fault?: FaultRecord }).fault?.spec.kind === 'client.expire-token')
          .length === 2,
      10_000,
    );
    const faults = events.events.filter((e) => (e as { type: string }).type === 'fault') as Array<{
      fault: FaultRecord;
    }>;
    const kinds = new Set(faults.map((e) => e.fault.spec.kind));
    expect([...kinds].sort()).toEqual([
      'broker.drop-connections',
      'broker.stop',
      'client.expire-token',
      'gateway.kill',
      'gateway.pause',
      'link.cut',
      'link.slow',
      'worker.kill',
      'worker.restart',
    ]);
    const ids = new Set(faults.map((e) => e.fault.id));
    for (const id of ids) {
      expect(faults.filter((e) => e.fault.id === id).map((e) => e.fault.state)).toEqual(['active', 'healed']);
    }
    await waitUntil(async () => {
      const res = await fetch(`${stack.origin}/v1/admin/traces?limit=5000`, {
        headers: { authorization: `Bearer ${stack.adminToken}` },
      });
      const { items } = (await res.json()) as { items: TraceEvent[] };
      const marked = (type: string) =>
        new Set(items.filter((t) => t.type === type).map((t) => (t.detail as { id: string }).id));
      return [...ids].every((id) => marked('fault.injected').has(id) && marked('fault.healed').has(id));
    }, 20_000);
  });
});
