import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayBox, type RoomMessage } from '@relaybox/client';
import { TcpProxy } from '@relaybox/core/testing';
import { RelayBoxRest } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, ALPHA_LIMITED, apiKeyOf, sleep, startTestGateway, wsUrl } from './harness.js';

// The client and REST SDKs against a real gateway (Redis stores, in-process broker).
let gw: RunningGateway;
let rest: RelayBoxRest;
let authServer: Server;
let authUrl: string;
let tokensIssued = 0;

beforeAll(async () => {
  gw = await startTestGateway({ store: 'redis', heartbeatMs: 500 });
  rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gw.url });
  // A backend's token endpoint, as an app would write it with @relaybox/rest.
  authServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', async () => {
      const { clientId } = JSON.parse(body) as { clientId?: string };
      tokensIssued++;
      const token = await rest.createToken({ clientId: clientId ?? 'anon', expiresIn: 4 });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(token));
    });
  });
  await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', resolve));
  authUrl = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  authServer.close();
  await gw.shutdown();
});

const client = (options: Partial<ConstructorParameters<typeof RelayBox>[0]>) =>
  new RelayBox({ url: wsUrl(gw), WebSocket: WebSocket as never, ...options } as ConstructorParameters<
    typeof RelayBox
  >[0]);

describe('@relaybox/client against a gateway', () => {
  it('connects with a token from getToken, joins, subscribes per event and to all events, publishes', async () => {
    const relay = client({ getToken: () => rest.createToken({ clientId: 'ann' }) });
    const states: string[] = [];
    relay.connection.on('statechange', ({ current }) => states.push(current));
    await relay.connect();
    expect(relay.clientId).toBe('ann');
    expect(relay.connectionId).toEqual(expect.any(String));
    const room = await relay.join('sdk:events');
    const chats: RoomMessage[] = [];
    const all: RoomMessage[] = [];
    const off = room.subscribe('chat', (m) => chats.push(m));
    room.subscribe((m) => all.push(m));
    await room.ready();
    const ack = await room.publish('chat', { text: 'hi' });
    await room.publish('typing', true);
    expect(ack).toMatchObject({ seq: 1, id: expect.any(String) });
    await waitFor(() => all.length === 2);
    expect(chats.map((m) => m.data)).toEqual([{ text: 'hi' }]);
    expect(all.map((m) => m.event)).toEqual(['chat', 'typing']);
    expect(chats[0]).toMatchObject({ id: ack.id, seq: 1, room: 'sdk:events', clientId: 'ann' });
    off();
    await room.publish('chat', 'after off');
    await waitFor(() => all.length === 3);
    expect(chats).toHaveLength(1);
    await relay.close();
    expect(states).toEqual(['connecting', 'connected', 'closed']);
  });

  it('fetches tokens from an authEndpoint and refreshes them in-band before they expire', async () => {
    const before = tokensIssued;
    const relay = client({ authEndpoint: authUrl, clientId: 'refresher', fetch: fetch as never });
    await relay.connect();
    const connectionId = relay.connectionId;
    const room = await relay.join('sdk:refresh');
    const got: unknown[] = [];
    room.subscribe((m) => got.push(m.data));
    await sleep(5500); // past the 4 s lifetime of the first token
    expect(relay.connection.state).toBe('connected');
    expect(relay.connectionId).toBe(connectionId); // same connection: refreshed, not reconnected
    expect(tokensIssued - before).toBeGreaterThanOrEqual(2);
    await room.publish('e', 'still here');
    await waitFor(() => got.includes('still here'));
    await relay.close();
  });

  it('gets a typed error for a refused operation and keeps the connection', async () => {
    const relay = client({ apiKey: apiKeyOf(ALPHA_LIMITED), clientId: 'limited' });
    await relay.connect();
    const room = await relay.join('public:feed');
    await expect(room.publish('e', 1)).rejects.toMatchObject({
      code: 'permission_denied',
      status: 403,
      retryable: false,
    });
    await expect(relay.join('secret:x')).rejects.toMatchObject({ code: 'permission_denied' });
    expect(relay.connection.state).toBe('connected');
    await relay.close();
  });

  it('fails (no reconnect) on bad credentials, with the server error', async () => {
    const relay = client({ apiKey: 'alpha.full:wrong-secret-0000000' });
    await expect(relay.connect()).rejects.toMatchObject({ code: 'api_key_invalid' });
    expect(relay.connection.state).toBe('failed');
  });

  it('reconnects after a network drop and re-joins, while pending publishes fail instead of hanging', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: gw.port });
    const relay = client({
      url: wsUrl(proxy.port),
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'bouncer',
      minReconnectDelayMs: 20,
      maxReconnectDelayMs: 100,
    });
    await relay.connect();
    const room = await relay.join('sdk:bounce');
    const got: unknown[] = [];
    room.subscribe((m) => got.push(m.data));
    const first = relay.connectionId;
    const states: string[] = [];
    relay.connection.on('statechange', ({ current }) => states.push(current));
    proxy.cut(); // the network drops: no close frame, the client sees 1006
    const pending = room.publish('e', 'in flight');
    const outcome = await pending.then(
      () => 'acked',
      (e: { code: string }) => e.code,
    );
    expect(outcome).toBe('connection_closed');
    proxy.restore();
    await waitFor(() => relay.connection.state === 'connected' && states.includes('disconnected'));
    // It resumed its session: same connection id, rooms and subscriptions back.
    expect(relay.connectionId).toBe(first);
    await waitFor(async () => {
      await rest.publish('sdk:bounce', 'e', 'after');
      await sleep(50);
      return got.includes('after');
    });
    await relay.close();
    await proxy.close();
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
