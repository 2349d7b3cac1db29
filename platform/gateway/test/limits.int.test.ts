import type { Limits } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  apiKeyOf,
  BETA,
  refusedUpgrade,
  sleep,
  startTestGateway,
  TestClient,
  wsUrl,
} from './harness.js';
import { mintToken } from './tokens.js';

const running: RunningGateway[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(running.splice(0).map((g) => g.shutdown()));
});

async function gateway(limits: Partial<Limits>, extra: Parameters<typeof startTestGateway>[0] = {}) {
  const gw = await startTestGateway({ limits, ...extra });
  running.push(gw);
  return gw;
}
async function connect(gw: RunningGateway, options: Parameters<typeof TestClient.connect>[1]) {
  const client = await TestClient.connect(wsUrl(gw), options);
  clients.push(client);
  return client;
}
const full = { apiKey: apiKeyOf(ALPHA_FULL) };

describe('limits', () => {
  it('rooms per connection', async () => {
    const gw = await gateway({ maxRoomsPerConnection: 3 });
    const client = await connect(gw, full);
    for (const room of ['a', 'b', 'c']) await client.ok({ type: 'join', room });
    expect(await client.request({ type: 'join', room: 'd' })).toMatchObject({
      error: { code: 'room_limit_exceeded' },
    });
    await client.ok({ type: 'join', room: 'a' }); // re-joining is not a new room
    await client.ok({ type: 'leave', room: 'a' });
    await client.ok({ type: 'join', room: 'd' });
  });

  it('publish rate per connection (token bucket), without losing accepted messages', async () => {
    const gw = await gateway({ publishRatePerSecond: 2, publishBurst: 5 });
    const client = await connect(gw, full);
    const watcher = await connect(gw, full);
    await watcher.joinAndSubscribe('r');
    await client.ok({ type: 'join', room: 'r' });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.request({ type: 'publish', room: 'r', event: 'e', data: i }),
      ),
    );
    const accepted = replies.filter((r) => r.type === 'ack');
    const limited = replies.filter((r) => r.type === 'error' && r.error.code === 'rate_limited');
    expect(accepted).toHaveLength(5);
    expect(limited).toHaveLength(3);
    await watcher.waitForMessages('r', 5);
    expect(watcher.messages('r').map((m) => m.data)).toEqual([0, 1, 2, 3, 4]);
    await sleep(600); // one token back at 2/s
    expect((await client.request({ type: 'publish', room: 'r', event: 'e', data: 'later' })).type).toBe(
      'ack',
    );
  });

  it('new connections per IP', async () => {
    const gw = await gateway({ connectionRatePerSecond: 0.01, connectionBurst: 3 });
    for (let i = 0; i < 3; i++) await connect(gw, full);
    const refused = await refusedUpgrade(wsUrl(gw), full);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('connection_rate_limited');
  });

  it('connections per app, counted per app', async () => {
    const gw = await gateway({ maxConnectionsPerApp: 2 });
    const first = await connect(gw, full);
    await connect(gw, full);
    const refused = await refusedUpgrade(wsUrl(gw), full);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'app_connection_limit' } } });
    await connect(gw, { apiKey: apiKeyOf(BETA) }); // another app is not affected
    await first.close();
    await sleep(50);
    await connect(gw, full); // a slot freed up
  });

  it('a slow consumer is disconnected with 4001 once its unsent bytes pass the bound', async () => {
    const gw = await gateway({ maxBufferedBytes: 256 * 1024, publishRatePerSecond: 1e6, publishBurst: 1e6 });
    const slow = await connect(gw, full);
    const fast = await connect(gw, full);
    const publisher = await connect(gw, full);
    await slow.joinAndSubscribe('firehose');
    await fast.joinAndSubscribe('firehose');
    await publisher.ok({ type: 'join', room: 'firehose' });
    // Stop reading: the kernel buffers fill, then the gateway's buffer grows.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const data = 'y'.repeat(8 * 1024);
    const deadline = Date.now() + 15_000;
    let sent = 0;
    while (gw.gateway.stats().connections === 3 && Date.now() < deadline) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          publisher.request({ type: 'publish', room: 'firehose', event: 'e', data }),
        ),
      );
      sent += 10;
      await sleep(50);
    }
    expect(gw.gateway.stats().connections).toBe(2);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await slow.closed;
    expect(code).toBe(4001);
    expect(reason).toMatch(/slow consumer/);
    // The reader that kept up got everything.
    await fast.waitForMessages('firehose', sent, 10_000);
  });

  it('closes a connection whose token expires (4101), unless refreshed in-band', async () => {
    const gw = await gateway({});
    const soon = { ...ALPHA_FULL, clientId: 'exp', expiresIn: 2 };
    const expiring = await connect(gw, { token: await mintToken(soon) });
    const refreshed = await connect(gw, { token: await mintToken(soon) });
    const ack = await refreshed.ok({ type: 'refresh', token: await mintToken({ ...soon, expiresIn: 60 }) });
    expect((ack.result as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 50_000);
    const mismatch = await refreshed.request({
      type: 'refresh',
      token: await mintToken({ ...soon, clientId: 'other' }),
    });
    expect(mismatch).toMatchObject({ error: { code: 'token_client_mismatch' } });
    const expired = await refreshed.request({
      type: 'refresh',
      token: await mintToken({ ...soon, expiresIn: -10 }),
    });
    expect(expired).toMatchObject({ error: { code: 'token_expired' } });
    const closed = await expiring.closed;
    expect(closed.code).toBe(4101);
    expect((await refreshed.request({ type: 'ping' })).type).toBe('ack');
  });

  it('a 2 MB frame (default limits) is closed with 1009 and a reason the client can read', async () => {
    const gw = await gateway({});
    const client = await connect(gw, full);
    const bystander = await connect(gw, full);
    client.ws.send(JSON.stringify({ type: 'ping', ref: 1, pad: 'x'.repeat(2 * 1024 * 1024) }));
    const { code, reason } = await client.closed;
    expect(code).toBe(1009);
    expect(reason).toMatch(/larger than 65536 bytes/);
    expect((await bystander.request({ type: 'ping' })).type).toBe('ack');
  });

  it('sends heartbeats at the configured interval', async () => {
    const gw = await gateway({}, { heartbeatMs: 100 });
    const client = await connect(gw, full);
    await sleep(450);
    expect(client.frames.filter((f) => f.type === 'heartbeat').length).toBeGreaterThanOrEqual(3);
  });
});
