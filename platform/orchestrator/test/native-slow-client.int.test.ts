import { randomBytes } from 'node:crypto';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import type { AdminConnection, FaultRecord, TraceEvent } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, startDaemon } from '../src/daemon/index.js';
import { openSse, rawRequest, type SseClient } from './daemon-test-client.js';
import { client, waitUntil } from './docker-helpers.js';
import { NativeStack } from './native-stack.js';

/** Small, so a few dozen 4 KB messages make a client that stops reading a slow consumer. */
const MAX_BUFFERED_BYTES = 64 * 1024;

/**
 * `client.slow` on a real native stack (2 gateways, real Redis and RabbitMQ), injected through the
 * daemon: one subscriber of a room stops reading; the gateway's slow-consumer policy closes it with
 * 4001 (or it gets everything once healed below the bound), while the room's other subscribers,
 * one on the same gateway and one on the other, keep receiving every message in order.
 */
describe('client.slow on the native engine (2 gateways)', () => {
  const stack = new NativeStack('slow', {
    RELAYBOX_LIMITS: JSON.stringify({ maxBufferedBytes: MAX_BUFFERED_BYTES }),
  });
  let daemon: RunningDaemon;
  let events: SseClient;
  const relays: RelayBox[] = [];
  /** Faults the tests injected and healed (a retried test adds its own). */
  const injected: string[] = [];

  const api = (path: string, body?: unknown) =>
    rawRequest(`${daemon.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${daemon.secret}` },
      ...(body === undefined ? {} : { body }),
    });
  const inject = async (spec: Record<string, unknown>): Promise<FaultRecord> => {
    const res = await api('/api/faults', spec);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    injected.push((res.body as FaultRecord).id);
    return res.body as FaultRecord;
  };
  const connect = async (gateway: string, clientId: string): Promise<RelayBox> => {
    const relay = await client(stack.gatewayUrl[gateway]!, stack.devApiKey, clientId);
    relays.push(relay);
    return relay;
  };
  /** The connection as the admin API lists it (snapshots are shared about once a second). */
  const listed = async (connectionId: string): Promise<AdminConnection | undefined> => {
    const res = await fetch(`${stack.origin}/v1/admin/connections`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    const { items } = (await res.json()) as { items: AdminConnection[] };
    return items.find((c) => c.connectionId === connectionId);
  };
  /** A room with a publisher on gateway-1 and subscribers `slow` and `fast2` on gateway-2, `fast1` on gateway-1. */
  const room = async (name: string) => {
    const room = `slow:${name}-${randomBytes(3).toString('hex')}`;
    const publisher = await (await connect('gateway-1', `pub-${name}`)).join(room);
    const got: Record<'slow' | 'fast1' | 'fast2', RoomMessage[]> = { slow: [], fast1: [], fast2: [] };
    const slow = await connect('gateway-2', `slow-${name}`);
    const clients = {
      slow,
      fast1: await connect('gateway-1', 'fast1'),
      fast2: await connect('gateway-2', 'fast2'),
    };
    for (const key of ['slow', 'fast1', 'fast2'] as const)
      (await clients[key].join(room)).subscribe((m) => got[key].push(m));
    // Every subscription is live on both gateways before the fault.
    await waitUntil(async () => {
      await publisher.publish('warm', 'up');
      await new Promise((r) => setTimeout(r, 100));
      return Object.values(got).every((list) => list.length > 0);
    }, 20_000);
    for (const list of Object.values(got)) list.length = 0;
    return { publisher, slow, got };
  };
  const dataOf = (list: RoomMessage[]) => list.filter((m) => m.event === 'm').map((m) => m.data);

  beforeAll(async () => {
    await stack.up();
    daemon = await startDaemon({
      engine: stack.engine,
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

  it('refuses a bad client.slow spec with a clear error', async () => {
    const noTarget = await api('/api/faults', { kind: 'client.slow', readBytesPerSec: 10 });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body).toMatchObject({
      error: { code: 'invalid_argument', message: expect.stringContaining('client.slow needs "target"') },
    });
    const negative = await api('/api/faults', { kind: 'client.slow', target: 'c1', readBytesPerSec: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body).toMatchObject({
      error: { code: 'invalid_argument', message: expect.stringContaining('"readBytesPerSec"') },
    });
    const unknown = await api('/api/faults', { kind: 'client.slow', target: 'no-such-connection' });
    expect(unknown.body).toMatchObject({ error: { code: 'service_not_found' } });
  });

  it('a client that stops reading is closed with 4001; the others get every message in order', {
    timeout: 60_000,
  }, async () => {
    const { publisher, slow, got } = await room('closed');
    const reasons: string[] = [];
    slow.connection.on('statechange', ({ reason }) => {
      if (reason) reasons.push(reason.message);
    });
    const fault = await inject({
      kind: 'client.slow',
      target: slow.connectionId!,
      readBytesPerSec: 0,
      durationMs: 60_000,
    });
    expect(fault.detail).toContain('on gateway-2 reads 0 B/s');
    await waitUntil(async () => (await listed(slow.connectionId!))?.slowReadBytesPerSec === 0, 10_000);

    // 40 × 4 KB: 2.5 times the bound.
    const sent = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(4096, 'x'));
    for (const data of sent) await publisher.publish('m', data);
    await waitUntil(() => got.fast1.length >= sent.length && got.fast2.length >= sent.length, 20_000);
    expect(dataOf(got.fast1)).toEqual(sent);
    expect(dataOf(got.fast2)).toEqual(sent);
    await waitUntil(() => reasons.some((r) => r.includes('4001')), 20_000);
    expect(reasons.find((r) => r.includes('4001'))).toContain('slow consumer');

    // It reconnects and resumes: the messages it missed arrive once, in order.
    await waitUntil(() => dataOf(got.slow).length >= sent.length, 30_000);
    expect(dataOf(got.slow)).toEqual(sent);
    const healed = await api(`/api/faults/${fault.id}/heal`, {});
    expect(healed.body).toMatchObject({ state: 'healed', endedBy: 'heal' });
  });

  it('below the bound, a slowed client gets nothing until healed, then everything in order', {
    timeout: 60_000,
  }, async () => {
    const { publisher, slow, got } = await room('healed');
    const states: string[] = [];
    slow.connection.on('statechange', ({ current }) => states.push(current));
    const fault = await inject({ kind: 'client.slow', target: slow.connectionId!, durationMs: 60_000 });
    await waitUntil(async () => (await listed(slow.connectionId!))?.slowReadBytesPerSec === 0, 10_000);
    const sent = ['a', 'b', 'c', 'd', 'e'];
    for (const data of sent) await publisher.publish('m', data);
    await waitUntil(() => got.fast1.length >= sent.length && got.fast2.length >= sent.length, 20_000);
    expect(dataOf(got.fast1)).toEqual(sent);
    expect(dataOf(got.fast2)).toEqual(sent);
    // Read rate 0: nothing reaches it while the fault holds.
    expect(got.slow).toEqual([]);

    const healed = await api(`/api/faults/${fault.id}/heal`, {});
    expect(healed.body).toMatchObject({ state: 'healed', endedBy: 'heal' });
    await waitUntil(() => got.slow.length >= sent.length, 10_000);
    expect(dataOf(got.slow)).toEqual(sent);
    expect(states).toEqual([]);
    await waitUntil(
      async () => (await listed(slow.connectionId!))?.slowReadBytesPerSec === undefined,
      10_000,
    );
  });

  it('the fault and its end are on the event stream and the traces timeline', {
    timeout: 30_000,
  }, async () => {
    const ids = new Set(injected);
    expect(ids.size).toBeGreaterThanOrEqual(2);
    // A failed attempt of a retried test left its fault to its timer: end it now.
    for (const id of ids) await api(`/api/faults/${id}/heal`, {});
    const states = (id: string) =>
      events.events
        .map((e) => (e as { fault?: FaultRecord }).fault)
        .filter((f) => f?.id === id)
        .map((f) => f?.state);
    await waitUntil(() => [...ids].every((id) => states(id).length === 2), 10_000);
    for (const id of ids) expect(states(id)).toEqual(['active', 'healed']);
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
