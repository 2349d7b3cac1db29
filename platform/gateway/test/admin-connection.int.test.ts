import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { adminOf, eventually, http } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// GET /v1/admin/connections/:id on a real cluster: two gateways sharing Redis and a RabbitMQ
// exchange. Frames are recorded on the connection's own gateway while the route is read.
const TOKEN = 'test-admin-token-connection-01';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.bm90LWEtcmVhbC1zaWduYXR1cmU';
let gwA: RunningGateway;
let gwB: RunningGateway;
const clients: TestClient[] = [];

beforeAll(async () => {
  const exchange = uniqueName('test.admin-connection');
  const redisPrefix = `${uniqueName('test')}:`;
  const start = (name: string) =>
    startTestGateway({
      broker: 'amqp',
      store: 'redis',
      exchange,
      redisPrefix,
      nodeId: `${name}-${exchange.slice(-8)}`,
      env: { RELAYBOX_ADMIN_TOKEN: TOKEN },
    });
  gwA = await start('gw-a');
  gwB = await start('gw-b');
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled([gwA?.shutdown(), gwB?.shutdown()]);
});

async function connect(gw: RunningGateway, clientId: string) {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId });
  clients.push(client);
  const listed = await eventually(
    () => adminOf(gwA.port, TOKEN).get('/connections?appId=alpha'),
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

  it("lists another gateway's connection without frames; 404 for an unknown one", async () => {
    const { connectionId } = await connect(gwB, uniqueName('remote'));
    const body = await detail(gwA.port, connectionId);
    expect(body.connection.gateway).toBe(gwB.gateway.stats().nodeId);
    expect(body.frames).toBeNull();
    const missing = await http(gwA.port, '/v1/admin/connections/no-such-connection', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(missing.status).toBe(404);
    expect((await http(gwA.port, `/v1/admin/connections/${connectionId}`)).status).toBe(401);
  });
});
