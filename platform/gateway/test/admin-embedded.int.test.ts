import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryTraceLog } from '@relaybox/adapters';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import { adminOf, eventually, http, openEventStream } from './admin-client.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, TestClient, wsUrl } from './harness.js';

// The inspector API of the embedded engine (memory stores, one process), tracing off, production.
const running: RunningGateway[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

const start = async (env: Record<string, string>, traces?: MemoryTraceLog, webhooks?: unknown[]) => {
  const gw = await startTestGateway({
    env: { RELAYBOX_DATA_DIR: mkdtempSync(join(tmpdir(), 'rb-admin-')), ...env },
    ...(traces ? { overrides: { inspector: { traces } } } : {}),
    ...(webhooks ? { webhooks } : {}),
  });
  running.push(gw);
  return gw;
};

const connect = async (gw: RunningGateway, clientId: string, room: string) => {
  const client = await TestClient.connect(wsUrl(gw), { apiKey: apiKeyOf(ALPHA_FULL), clientId });
  clients.push(client);
  await client.joinAndSubscribe(room);
  return client;
};

describe('admin API, embedded engine', () => {
  it('generates a token in the data dir and serves views, traces, the stream and publish', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-admin-'));
    const gw = await start({ RELAYBOX_DATA_DIR: dataDir });
    const token = gw.adminToken as string;
    expect(token).toMatch(/^rbadm_/);
    expect(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()).toBe(token);
    const admin = adminOf(gw.port, token);
    const stream = await openEventStream(`${gw.url}/v1/admin/traces/stream?room=local`, token);
    try {
      const a = await connect(gw, 'a', 'local');
      const b = await connect(gw, 'b', 'local');
      const connections = await admin.get('/connections');
      expect(connections.items.map((c: { clientId: string }) => c.clientId).sort()).toEqual(['a', 'b']);
      expect((await admin.get('/rooms')).items).toEqual([
        expect.objectContaining({ appId: 'alpha', room: 'local', subscribers: 2 }),
      ]);
      const ack = await a.ok({ type: 'publish', room: 'local', event: 'e', data: 1 });
      const id = (ack.result as { id: string }).id;
      await b.waitForMessages('local', 1);
      const hops = await eventually(
        () => admin.traces(`messageId=${id}`),
        (events) => events.some((e) => e.type === 'message.delivered'),
      );
      // The in-process broker delivers before its confirm resolves: consumed/delivered may precede published.
      const types = hops.map((e) => e.type);
      expect(types.slice(0, 2)).toEqual(['message.received', 'message.stored']);
      expect(types.at(-1)).toBe('message.acked');
      expect([...types].sort()).toEqual([
        'message.acked',
        'message.consumed',
        'message.delivered',
        'message.published',
        'message.received',
        'message.stored',
      ]);
      expect(hops.find((e) => e.type === 'message.delivered')?.detail).toEqual({ sockets: 2 });
      await eventually(
        async () => stream.events.filter((e) => e.messageId === id).length,
        (n) => n === 6,
      );
      expect(stream.events.every((e) => e.room === 'local')).toBe(true);

      const published = await admin.publish({
        appId: 'alpha',
        room: 'local',
        event: 'console',
        data: 'hi',
        clientId: 'me',
      });
      expect(published.status).toBe(201);
      await b.waitForMessages('local', 2);
      expect(b.messages('local').at(-1)).toMatchObject({ id: published.body.id, clientId: 'me', seq: 2 });

      a.close();
      const closed = await eventually(
        () => admin.traces('limit=100'),
        (events) => events.some((e) => e.type === 'connection.close'),
      );
      expect(closed.find((e) => e.type === 'connection.close')).toMatchObject({
        clientId: 'a',
        detail: { code: 1000 },
      });
    } finally {
      await stream.close();
    }
  });

  it('streams live connection, room and presence changes on /events/stream, and no message hops', async () => {
    const gw = await start({ RELAYBOX_ADMIN_TOKEN: 'events-admin-token-012345' });
    const live = await openEventStream(`${gw.url}/v1/admin/events/stream`, 'events-admin-token-012345');
    try {
      const c = await connect(gw, 'lively', 'events');
      await c.ok({ type: 'presence', room: 'events', action: 'enter', data: { x: 1 } });
      await c.ok({ type: 'publish', room: 'events', event: 'e', data: 1 });
      await c.ok({ type: 'leave', room: 'events' });
      const types = await eventually(
        async () => live.events.map((e) => e.type),
        (seen) => seen.includes('room.leave') && seen.includes('presence.leave'),
      );
      // Leaving the room leaves its presence too, once the room is gone.
      expect(types).toEqual([
        'connection.open',
        'room.join',
        'presence.enter',
        'room.leave',
        'presence.leave',
      ]);
    } finally {
      await live.close();
    }
  });

  it('traces webhook delivery attempts with the endpoint URL and the answer', async () => {
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const token = 'hook-test-admin-token-0123';
      const webhooks = [
        { id: 'opened', url, secret: 'webhook-secret-for-tests-0001', events: ['connection.opened'] },
      ];
      const gw = await start({ RELAYBOX_ADMIN_TOKEN: token }, undefined, webhooks);
      await connect(gw, 'hooked', 'hooks');
      const events = await eventually(
        () => adminOf(gw.port, token).traces('appId=alpha'),
        (items) => items.some((e) => e.type === 'webhook.attempt'),
      );
      expect(events.find((e) => e.type === 'webhook.attempt')?.detail).toMatchObject({
        url,
        status: 204,
        attempt: 1,
        event: 'connection.opened',
      });
    } finally {
      receiver.close();
    }
  });

  it('with RELAYBOX_TRACING=off emits nothing, and the views still work', async () => {
    const traces = new MemoryTraceLog();
    const gw = await start(
      { RELAYBOX_TRACING: 'off', RELAYBOX_ADMIN_TOKEN: 'off-test-admin-token-1234' },
      traces,
    );
    const admin = adminOf(gw.port, 'off-test-admin-token-1234');
    const a = await connect(gw, 'a', 'quiet');
    await a.ok({ type: 'publish', room: 'quiet', event: 'e', data: 1 });
    await a.waitForMessages('quiet', 1);
    await a.ok({ type: 'leave', room: 'quiet' });
    expect((await admin.get('/overview')).tracing).toBe(false);
    expect((await admin.get('/connections')).total).toBe(1);
    await new Promise((r) => setTimeout(r, 150)); // past a flush period, had anything been buffered
    expect(await traces.query({})).toEqual([]);
    expect(await admin.traces('')).toEqual([]);
  });

  it('in production without a token the admin API does not exist (404), and tracing is off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-admin-'));
    const gw = await start({ RELAYBOX_ENV: 'production', RELAYBOX_DATA_DIR: dataDir });
    expect(gw.adminToken).toBeUndefined();
    expect(existsSync(join(dataDir, 'admin-token'))).toBe(false);
    for (const path of ['/v1/admin/overview', '/v1/admin/traces/stream', '/v1/admin/anything']) {
      const res = await http(gw.port, path, { headers: { authorization: 'Bearer whatever-token-000000' } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('in production with a token the API works and tracing defaults off', async () => {
    const gw = await start({
      RELAYBOX_ENV: 'production',
      RELAYBOX_ADMIN_TOKEN: 'prod-admin-token-0123456789',
    });
    const overview = await adminOf(gw.port, 'prod-admin-token-0123456789').get('/overview');
    expect(overview.tracing).toBe(false);
    expect(overview.nodes).toHaveLength(1);
    expect((await http(gw.port, '/v1/admin/overview')).status).toBe(401);
  });
});
