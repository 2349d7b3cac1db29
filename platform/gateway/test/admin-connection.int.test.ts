import { RedisInspectorStore } from '@relaybox/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { adminOf, eventually, http } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// GET /v1/admin/connections/:id on a real cluster: gateways sharing Redis and a RabbitMQ
// exchange. Frames are recorded on the connection's own gateway while the route is read, on
// whichever gateway it is read (the one answering asks the owner over the admin control channel).
const TOKEN = 'test-admin-token-connection-01';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.bm90LWEtcmVhbC1zaWduYXR1cmU';
let gwA: RunningGateway;
let gwB: RunningGateway;
const clients: TestClient[] = [];
const exchange = uniqueName('test.admin-connection');
const redisPrefix = `${uniqueName('test')}:`;

beforeAll(async () => {
  gwA = await startGateway('gw-a');
  gwB = await startGateway('gw-b');
});

function startGateway(name: string) {
  return startTestGateway({
    broker: 'amqp',
    store: 'redis',
    exchange,
    redisPrefix,
    nodeId: `${name}-${exchange.slice(-8)}`,
    env: { RELAYBOX_ADMIN_TOKEN: TOKEN },
  });
}

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled([gwA?.shutdown(), gwB?.shutdown()]);
});

/** Connects a client to `gw`, once `listedOn` lists it (another gateway: through the shared store). */
async function connect(gw: RunningGateway, clientId: string, listedOn = gwA) {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId });
  clients.push(client);
  const listed = await eventually(
    () => adminOf(listedOn.port, TOKEN).get('/connections?appId=alpha'),
    (body) => body.items.some((c: { clientId: string }) => c.clientId === clientId),
  );
  const row = listed.items.find((c: { clientId: string }) => c.clientId === clientId);
  return { client, connectionId: row.connectionId as string };
}

const detail = (port: number, connectionId: string) =>
  adminOf(port, TOKEN).get(`/connections/${encodeURIComponent(connectionId)}`);

interface Frame {
  type: string;
  preview: string;
  size: number;
  at: number;
}

describe('GET /v1/admin/connections/:id', () => {
  it('shows rooms, presence and the frames each way in order, tokens redacted', async () => {
    const clientId = uniqueName('watched');
    const room = uniqueName('chat:watched');
    const { client, connectionId } = await connect(gwA, clientId);
    const first = await detail(gwA.port, connectionId);
    expect(first.connection).toMatchObject({ clientId, appId: 'alpha', connectionId });
    expect(first.connection.auth.keyId).toBe('full');
    expect(first.connection.address).toMatch(/127\.0\.0\.1|::1/);
    expect(first.frames).toMatchObject({ capacity: 50, in: [] });

    await client.joinAndSubscribe(room);
    await client.ok({ type: 'presence', room, action: 'enter', data: { status: 'here' } });
    for (let n = 1; n <= 3; n++) await client.ok({ type: 'publish', room, event: 'note', data: { n } });
    await client.waitForMessages(room, 3);
    await client.request({ type: 'refresh', token: JWT });

    const body = await eventually(
      () => detail(gwA.port, connectionId),
      (b) => b.frames.in.length === 7 && b.frames.out.some((f: Frame) => f.type === 'message'),
    );
    const inTypes = body.frames.in.map((f: Frame) => f.type);
    expect(inTypes).toEqual(['join', 'subscribe', 'presence', 'publish', 'publish', 'publish', 'refresh']);
    const times = body.frames.in.map((f: Frame) => f.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const refresh = body.frames.in.at(-1) as Frame;
    expect(refresh.preview).toContain('[redacted]');
    expect(JSON.stringify(body)).not.toContain(JWT);
    const outTypes: string[] = body.frames.out.map((f: Frame) => f.type);
    expect(outTypes).toContain('ack');
    expect(outTypes.filter((t) => t === 'message')).toHaveLength(3);
    const messages = body.frames.out.filter((f: Frame) => f.type === 'message');
    expect(messages.map((f: Frame) => JSON.parse(f.preview).data.n)).toEqual([1, 2, 3]);
    expect(body.rooms).toEqual([
      {
        room,
        messages: 'on',
        presence: 'none',
        lastSeq: 3,
        member: expect.objectContaining({ clientId, connectionId, data: { status: 'here' } }),
      },
    ]);
  });

  it('keeps the last 50 frames each way', async () => {
    const room = uniqueName('chat:bounded');
    const { client, connectionId } = await connect(gwA, uniqueName('busy'));
    await detail(gwA.port, connectionId);
    await client.ok({ type: 'join', room });
    for (let n = 1; n <= 60; n++) await client.ok({ type: 'publish', room, event: 'note', data: { n } });
    const body = await detail(gwA.port, connectionId);
    expect(body.frames.in).toHaveLength(50);
    expect(body.frames.out).toHaveLength(50);
    expect(JSON.parse((body.frames.in.at(-1) as Frame).preview).data.n).toBe(60);
    expect(JSON.parse((body.frames.in[0] as Frame).preview).data.n).toBe(11);
  });

  it("shows another gateway's connection: its frames each way and subscription states", async () => {
    const clientId = uniqueName('remote');
    const room = uniqueName('chat:remote');
    const { client, connectionId } = await connect(gwA, clientId, gwB);
    // Read through gateway B: it asks gateway A, which starts recording.
    const first = await detail(gwB.port, connectionId);
    expect(first.connection.gateway).toBe(gwA.gateway.stats().nodeId);
    expect(first.frames).toMatchObject({ node: gwA.gateway.stats().nodeId, capacity: 50, in: [] });
    expect(first.framesError).toBeNull();

    await client.joinAndSubscribe(room);
    await client.ok({ type: 'presence', room, action: 'enter', data: { status: 'far' } });
    for (let n = 1; n <= 2; n++) await client.ok({ type: 'publish', room, event: 'note', data: { n } });
    await client.waitForMessages(room, 2);

    const body = await eventually(
      () => detail(gwB.port, connectionId),
      (b) =>
        b.frames?.in.length === 5 &&
        b.frames.out.filter((f: Frame) => f.type === 'message').length === 2 &&
        b.rooms.length === 1,
    );
    expect(body.frames.in.map((f: Frame) => f.type)).toEqual([
      'join',
      'subscribe',
      'presence',
      'publish',
      'publish',
    ]);
    const outTypes: string[] = body.frames.out.map((f: Frame) => f.type);
    expect(outTypes).toContain('ack');
    const messages = body.frames.out.filter((f: Frame) => f.type === 'message');
    expect(messages.map((f: Frame) => JSON.parse(f.preview).data.n)).toEqual([1, 2]);
    expect(body.framesError).toBeNull();
    expect(body.rooms).toEqual([
      {
        room,
        messages: 'on',
        presence: 'none',
        lastSeq: 2,
        member: expect.objectContaining({ clientId, connectionId, data: { status: 'far' } }),
      },
    ]);
  });

  it('answers 404 for an unknown connection, 401 without the token', async () => {
    const { connectionId } = await connect(gwB, uniqueName('plain'));
    const missing = await http(gwA.port, '/v1/admin/connections/no-such-connection', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(missing.status).toBe(404);
    expect((await http(gwA.port, `/v1/admin/connections/${connectionId}`)).status).toBe(401);
  });

  it("reports a gone gateway's connection with a timeout, then 404 once its snapshot expires", async () => {
    const gwC = await startGateway('gw-c');
    const nodeC = gwC.gateway.stats().nodeId;
    const room = uniqueName('chat:orphan');
    const store = new RedisInspectorStore({ prefix: redisPrefix });
    let stopped = false;
    try {
      const { client, connectionId } = await connect(gwC, uniqueName('orphan'));
      await client.joinAndSubscribe(room);
      const alive = await eventually(
        () => detail(gwA.port, connectionId),
        (b) => b.rooms.length === 1 && b.rooms[0].messages === 'on',
      );
      expect(alive.frames.node).toBe(nodeC);
      const snapshot = (await store.readAll()).find((n) => n.nodeId === nodeC);
      expect(snapshot?.connections.map((c) => c.connectionId)).toContain(connectionId);
      await gwC.shutdown();
      stopped = true;
      // A crashed gateway stays listed until its snapshot expires (3 s): put C's last one back.
      await store.write({ ...snapshot!, lastSeen: Date.now() });
      const gone = await detail(gwA.port, connectionId);
      expect(gone.connection.gateway).toBe(nodeC);
      expect(gone.frames).toBeNull();
      expect(gone.framesError).toEqual({ code: 'timeout', message: expect.stringContaining(nodeC) });
      expect(gone.rooms).toEqual([
        expect.objectContaining({ room, messages: 'unknown', presence: 'unknown' }),
      ]);
      const expired = await eventually(
        () =>
          http(gwA.port, `/v1/admin/connections/${connectionId}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          }),
        (r) => r.status === 404,
      );
      expect(expired.status).toBe(404);
    } finally {
      if (!stopped) await gwC.shutdown();
      await store.close();
    }
  });
});
