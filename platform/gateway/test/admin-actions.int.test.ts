import { CloseCode } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { adminOf, eventually, http } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, uniqueName, wsUrl } from './harness.js';

// Operator actions of the inspector API on a real cluster: two gateways sharing Redis and a
// RabbitMQ exchange; a connection on gateway B is disconnected through gateway A.
const TOKEN = 'test-admin-token-actions-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
let gwA: RunningGateway;
let gwB: RunningGateway;
const clients: TestClient[] = [];

beforeAll(async () => {
  const exchange = uniqueName('test.admin-actions');
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
  return { client, connectionId: row.connectionId as string, gateway: row.gateway as string };
}

const disconnect = (port: number, connectionId: string, body?: unknown) =>
  http(port, `/v1/admin/connections/${connectionId}/disconnect`, {
    method: 'POST',
    headers: auth,
    ...(body === undefined ? {} : { body }),
  });

describe('POST /v1/admin/connections/:id/disconnect', () => {
  it('closes a connection on another gateway through the broker (4004, may reconnect)', async () => {
    const { client, connectionId, gateway } = await connect(gwB, uniqueName('remote'));
    expect(gateway).toBe(gwB.gateway.stats().nodeId);
    const res = await disconnect(gwA.port, connectionId);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ connectionId, gateway, local: false, closed: false });
    expect(await client.closed).toEqual({
      code: CloseCode.AdminDisconnect,
      reason: 'disconnected by an operator',
    });
    const traces = await eventually(
      () => adminOf(gwA.port, TOKEN).get(`/traces?appId=alpha`),
      (body) =>
        body.items.some(
          (e: { type: string; connectionId?: string }) =>
            e.type === 'connection.close' && e.connectionId === connectionId,
        ),
    );
    const close = traces.items.find(
      (e: { type: string; connectionId?: string }) =>
        e.type === 'connection.close' && e.connectionId === connectionId,
    );
    expect(close).toMatchObject({ gateway, detail: { code: CloseCode.AdminDisconnect } });
  });

  it('closes a local connection at once, with reconnect: false and a reason (4104)', async () => {
    const { client, connectionId } = await connect(gwA, uniqueName('local'));
    const res = await disconnect(gwA.port, connectionId, { reconnect: false, reason: 'bye' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ connectionId, local: true, closed: true });
    expect(await client.closed).toEqual({ code: CloseCode.AdminKick, reason: 'bye' });
  });

  it('answers 404 for an unknown connection, 400 for a bad body, 401 without the token', async () => {
    expect((await disconnect(gwA.port, 'no-such-connection')).status).toBe(404);
    const { client, connectionId } = await connect(gwA, uniqueName('kept'));
    for (const body of [{ reconnect: 'yes' }, { reason: 'x'.repeat(124) }, [1]]) {
      const res = await disconnect(gwA.port, connectionId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_request' } });
    }
    const anonymous = await http(gwA.port, `/v1/admin/connections/${connectionId}/disconnect`, {
      method: 'POST',
    });
    expect(anonymous.status).toBe(401);
    // None of the refused requests closed it.
    expect(client.closeInfo).toBe('open');
  });
});

describe('POST / DELETE /v1/admin/connections/:id/slow (fault injection client.slow)', () => {
  const slow = (method: 'POST' | 'DELETE', connectionId: string, body?: unknown) =>
    http(gwA.port, `/v1/admin/connections/${connectionId}/slow`, {
      method,
      headers: auth,
      ...(body === undefined ? {} : { body }),
    });
  const rate = async (connectionId: string) =>
    (
      (await adminOf(gwA.port, TOKEN).get('/connections?appId=alpha')).items as Array<{
        connectionId: string;
        slowReadBytesPerSec?: number;
      }>
    ).find((c) => c.connectionId === connectionId)?.slowReadBytesPerSec;

  it('refuses a bad body with the field and its bound, and an unknown connection with 404', async () => {
    const { connectionId } = await connect(gwA, uniqueName('slow-bad'));
    for (const [body, message] of [
      [{ readBytesPerSec: -1 }, '"readBytesPerSec" must be a number from 0'],
      [{ durationMs: 10 }, '"durationMs" must be a number from 100'],
      [[1], 'JSON object'],
    ] as const) {
      const res = await slow('POST', connectionId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({
        error: { code: 'invalid_request', message: expect.stringContaining(message) },
      });
    }
    expect((await slow('POST', 'no-such-connection', {})).status).toBe(404);
  });

  it('slows a connection on another gateway through the broker; the list shows it until DELETE', async () => {
    const { connectionId, gateway } = await connect(gwB, uniqueName('slowed'));
    const res = await slow('POST', connectionId, { readBytesPerSec: 512, durationMs: 60_000 });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ connectionId, gateway, local: false, applied: false });
    await eventually(
      () => rate(connectionId),
      (r) => r === 512,
    );
    expect((await slow('DELETE', connectionId)).status).toBe(200);
    await eventually(
      () => rate(connectionId),
      (r) => r === undefined,
    );
  });
});

describe('DELETE /v1/admin/rooms/:room/history', () => {
  const clear = (port: number, room: string, headers: Record<string, string> = auth) =>
    http(port, `/v1/admin/rooms/${encodeURIComponent(room)}/history?appId=alpha`, {
      method: 'DELETE',
      headers,
    });

  it('empties the shared history for every gateway; the numbering continues', async () => {
    const room = uniqueName('chat:cleared');
    const publish = (n: number) =>
      adminOf(gwA.port, TOKEN).publish({ appId: 'alpha', room, event: 'note', data: { n } });
    for (let n = 1; n <= 3; n++) expect((await publish(n)).status).toBe(201);
    const res = await clear(gwB.port, room);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ appId: 'alpha', room, removed: 3 });
    const detail = await adminOf(gwA.port, TOKEN).get(`/rooms/${encodeURIComponent(room)}?appId=alpha`);
    expect(detail.recent).toEqual([]);
    expect(detail.lastSeq).toBe(3);
    expect((await publish(4)).body.seq).toBe(4);
    const after = await adminOf(gwB.port, TOKEN).get(`/rooms/${encodeURIComponent(room)}?appId=alpha`);
    expect(after.recent.map((m: { seq: number }) => m.seq)).toEqual([4]);
  });

  it('refuses an invalid room (400) and a missing token (401)', async () => {
    const invalid = await clear(gwA.port, 'a|b');
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: { code: 'invalid_room_name' } });
    expect((await clear(gwA.port, 'chat:x', {})).status).toBe(401);
  });
});
