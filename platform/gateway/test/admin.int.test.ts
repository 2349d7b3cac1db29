import { RelayBox, type RoomMessage } from '@relaybox/client';
import type { TraceEvent } from '@relaybox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import { adminOf, eventually, http, openEventStream } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, refusedUpgrade, startTestGateway, uniqueName, wsUrl } from './harness.js';

// The inspector API of a real cluster: two gateways sharing Redis and a RabbitMQ exchange, SDK
// clients on each, every view and trace read through gateway A or B.
const TOKEN = 'test-admin-token-0123456789';
let gwA: RunningGateway;
let gwB: RunningGateway;
const relays: RelayBox[] = [];

beforeAll(async () => {
  const exchange = uniqueName('test.admin');
  const redisPrefix = `${uniqueName('test')}:`;
  const start = (name: string) =>
    startTestGateway({
      broker: 'amqp',
      store: 'redis',
      exchange,
      redisPrefix,
      nodeId: `${name}-${exchange.slice(-8)}`,
      env: { RELAYBOX_ADMIN_TOKEN: TOKEN, RELAYBOX_TRACING: 'on' },
    });
  gwA = await start('gw-a');
  gwB = await start('gw-b');
});

afterAll(async () => {
  await Promise.allSettled(relays.map((r) => r.close()));
  await Promise.allSettled([gwA?.shutdown(), gwB?.shutdown()]);
});

const sdk = async (gw: RunningGateway, clientId: string) => {
  const relay = new RelayBox({
    url: wsUrl(gw),
    apiKey: apiKeyOf(ALPHA_FULL),
    clientId,
    WebSocket: WebSocket as never,
  } as ConstructorParameters<typeof RelayBox>[0]);
  relays.push(relay);
  await relay.connect();
  return relay;
};

const nodeIdOf = (gw: RunningGateway) => gw.gateway.stats().nodeId;

describe('admin API on a two-gateway cluster (Redis + RabbitMQ)', () => {
  it("shows both gateways' connections and rooms, and traces a message across them", async () => {
    // Unique names per attempt: a retried test must not see the clients of the failed attempt.
    const ROOM = uniqueName('chat:inspect');
    expect(gwA.adminToken).toBe(TOKEN);
    const adminA = adminOf(gwA.port, TOKEN);
    const adminB = adminOf(gwB.port, TOKEN);
    const stream = await openEventStream(`${gwB.url}/v1/admin/traces/stream`, TOKEN);
    try {
      expect(stream.contentType).toBe('text/event-stream');
      const ann = await sdk(gwA, 'ann');
      const bob = await sdk(gwB, 'bob');
      const roomA = await ann.join(ROOM);
      const roomB = await bob.join(ROOM);
      const gotA: RoomMessage[] = [];
      const gotB: RoomMessage[] = [];
      roomA.subscribe((m) => gotA.push(m));
      roomB.subscribe((m) => gotB.push(m));

      const rooms = await eventually(
        () => adminA.get('/rooms?appId=alpha'),
        (body) =>
          body.items.some(
            (r: { room: string; subscribers: number }) => r.room === ROOM && r.subscribers === 2,
          ),
      );
      expect(rooms.items.find((r: { room: string }) => r.room === ROOM)).toMatchObject({
        appId: 'alpha',
        subscribers: 2,
        presenceMembers: 0,
        lastSeq: 0,
      });

      const connections = await adminA.get(`/connections?appId=alpha&room=${ROOM}`);
      expect(connections.total).toBe(2);
      const byClient = Object.fromEntries(
        connections.items.map((c: { clientId: string }) => [c.clientId, c]),
      );
      expect(byClient.ann).toMatchObject({
        connectionId: ann.connectionId,
        gateway: nodeIdOf(gwA),
        rooms: [ROOM],
        connectedAt: expect.any(Number),
      });
      expect(byClient.bob).toMatchObject({
        connectionId: bob.connectionId,
        gateway: nodeIdOf(gwB),
        rooms: [ROOM],
      });
      expect(byClient.bob.messagesIn).toBeGreaterThanOrEqual(2); // join + subscribe frames
      expect(byClient.bob.bytesIn).toBeGreaterThan(0);

      const overview = await adminB.get('/overview');
      expect(overview.tracing).toBe(true);
      expect(overview.nodes.map((n: { nodeId: string }) => n.nodeId).sort()).toEqual(
        [nodeIdOf(gwA), nodeIdOf(gwB)].sort(),
      );
      expect(overview.apps).toEqual([{ appId: 'alpha' }, { appId: 'beta' }]);

      const ack = await roomA.publish('chat', { text: 'follow me' });
      await eventually(
        async () => gotA.length + gotB.length,
        (n) => n === 2,
      );
      const hops = await eventually(
        () => adminB.traces(`messageId=${ack.id}`),
        (events) =>
          events.filter((e) => e.type === 'message.delivered').length === 2 &&
          events.some((e) => e.type === 'message.acked'),
      );
      const summary = hops.map((e) => `${e.type}@${e.gateway}`);
      for (const type of ['message.received', 'message.stored', 'message.published', 'message.acked']) {
        expect(summary).toContain(`${type}@${nodeIdOf(gwA)}`);
      }
      for (const gw of [gwA, gwB]) {
        expect(summary).toContain(`message.consumed@${nodeIdOf(gw)}`);
        const delivered = hops.find((e) => e.type === 'message.delivered' && e.gateway === nodeIdOf(gw));
        expect(delivered).toMatchObject({ appId: 'alpha', room: ROOM, seq: ack.seq, detail: { sockets: 1 } });
      }
      const stored = hops.find((e) => e.type === 'message.stored') as TraceEvent;
      expect(stored).toMatchObject({
        seq: ack.seq,
        clientId: 'ann',
        connectionId: ann.connectionId,
        detail: { seq: ack.seq },
      });

      // The live stream of gateway B saw the hops of gateway A too.
      await eventually(
        async () => stream.events.filter((e) => e.messageId === ack.id).map((e) => e.type),
        (types) =>
          types.includes('message.received') && types.filter((t) => t === 'message.delivered').length === 2,
      );
      expect(stream.events.some((e) => e.type === 'room.join' && e.connectionId === bob.connectionId)).toBe(
        true,
      );

      // Counters as of the next snapshot: ann sent the publish, bob got the message.
      await eventually(
        () => adminB.get(`/connections?room=${ROOM}`),
        (body) => body.items.find((c: { clientId: string }) => c.clientId === 'bob')?.messagesOut >= 4,
      );
    } finally {
      await stream.close();
    }
  });

  it('publishes as any client through the normal path (history, seq, broker, traces)', async () => {
    const ROOM = uniqueName('chat:admin-publish');
    const carl = await sdk(gwA, 'carl');
    const room = await carl.join(ROOM);
    const got: RoomMessage[] = [];
    room.subscribe((m) => got.push(m));
    await eventually(
      () => adminOf(gwB.port, TOKEN).get('/rooms?appId=alpha'),
      (body) =>
        body.items.some((r: { room: string; subscribers: number }) => r.room === ROOM && r.subscribers === 1),
    );
    const res = await adminOf(gwB.port, TOKEN).publish({
      appId: 'alpha',
      room: ROOM,
      event: 'note',
      data: { from: 'console' },
      clientId: 'console-user',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), seq: 1, timestamp: expect.any(Number) });
    await eventually(
      async () => got.length,
      (n) => n === 1,
    );
    expect(got[0]).toMatchObject({
      id: res.body.id,
      seq: 1,
      event: 'note',
      data: { from: 'console' },
      clientId: 'console-user',
    });
    const detail = await adminOf(gwA.port, TOKEN).get(`/rooms/${encodeURIComponent(ROOM)}?appId=alpha`);
    expect(detail).toMatchObject({ room: ROOM, lastSeq: 1, subscribers: 1 });
    expect(detail.recent.map((m: RoomMessage) => m.id)).toEqual([res.body.id]);
    const hops = await eventually(
      () => adminOf(gwA.port, TOKEN).traces(`messageId=${res.body.id}`),
      (events) => events.some((e) => e.type === 'message.delivered'),
    );
    expect(hops.find((e) => e.type === 'message.received')?.detail).toMatchObject({ via: 'admin' });

    const bad = await adminOf(gwB.port, TOKEN).publish({
      appId: 'alpha',
      room: 'bad room!',
      event: 'e',
      data: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_room_name');
  });

  it('shows presence enter and leave in the room view and as trace events', async () => {
    const ROOM = uniqueName('chat:presence');
    const path = `/rooms/${encodeURIComponent(ROOM)}?appId=alpha`;
    const dora = await sdk(gwB, 'dora');
    const room = await dora.join(ROOM);
    await room.presence.enter({ mood: 'curious' });
    const admin = adminOf(gwA.port, TOKEN);
    const detail = await admin.get(path);
    expect(detail.presenceMembers).toBe(1);
    expect(detail.presence).toEqual([
      expect.objectContaining({
        clientId: 'dora',
        connectionId: dora.connectionId,
        data: { mood: 'curious' },
      }),
    ]);
    await room.presence.leave();
    expect((await admin.get(path)).presence).toEqual([]);
    const events = await eventually(
      () => admin.traces(`room=${encodeURIComponent(ROOM)}`),
      (items) => items.some((e) => e.type === 'presence.leave'),
    );
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['room.join', 'presence.enter', 'presence.leave']),
    );
    expect(events.find((e) => e.type === 'presence.enter')).toMatchObject({
      gateway: nodeIdOf(gwB),
      clientId: 'dora',
      connectionId: dora.connectionId,
      detail: { data: { mood: 'curious' } },
    });
  });

  it('traces a refused upgrade as auth.failed with its reason', async () => {
    const refused = await refusedUpgrade(wsUrl(gwA), { apiKey: 'alpha.full:wrong-secret-000000000' });
    expect(refused.status).toBe(401);
    const events = await eventually(
      () => adminOf(gwB.port, TOKEN).traces('limit=10000'),
      (items) => items.some((e) => e.type === 'auth.failed' && e.gateway === nodeIdOf(gwA)),
    );
    const failed = events.filter((e) => e.type === 'auth.failed').at(-1);
    expect(failed?.detail).toMatchObject({
      status: 401,
      code: refused.body.error.code,
      reason: refused.body.error.message,
    });
  });

  it('refuses requests without the token (401) and from non-local hosts or origins (403)', async () => {
    const port = gwA.port;
    const none = await http(port, '/v1/admin/overview');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await http(port, '/v1/admin/connections', {
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const auth = { authorization: `Bearer ${TOKEN}` };
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own name as Host.
    const rebound = await http(port, '/v1/admin/overview', {
      headers: { ...auth, host: 'evil.example:9000' },
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error.code).toBe('permission_denied');
    const foreign = await http(port, '/v1/admin/traces', {
      headers: { ...auth, origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const publish = await http(port, '/v1/admin/publish', {
      method: 'POST',
      headers: { ...auth, host: 'evil.example' },
      body: { appId: 'alpha', room: 'x', event: 'e', data: 1 },
    });
    expect(publish.status).toBe(403);
    const stream = await http(port, '/v1/admin/traces/stream', {
      headers: { origin: 'https://evil.example' },
    });
    expect(stream.status).toBe(403);

    const local = await http(port, '/v1/admin/overview', {
      headers: { ...auth, origin: 'http://localhost:5173' },
    });
    expect(local.status).toBe(200);
    expect(local.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const preflight = await http(port, '/v1/admin/overview', {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:5173', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://127.0.0.1:5173');
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const foreignPreflight = await http(port, '/v1/admin/overview', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(foreignPreflight.status).toBe(403);
    expect(foreignPreflight.headers['access-control-allow-origin']).toBeUndefined();
    const unknown = await http(port, '/v1/admin/nothing-here', { headers: auth });
    expect(unknown.status).toBe(404);
  });
});
