import { CloseCode } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff } from './backoff.js';
import { HEARTBEAT_MARGIN_MS } from './connection-manager.js';
import { fakeJwt, flush, harness } from './test-support/relay-harness.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Advances to the scheduled reconnect and lets the new attempt open its socket. */
async function reconnectAfter(delay: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(delay);
  await flush();
}

describe('reconnect', () => {
  it('retries with full-jitter backoff within [min, min(max, min·2^(n+1))], rotating URLs', async () => {
    const urls = ['ws://a.test/v1/ws', 'http://b.test:9000', 'wss://c.test/custom'];
    const h = harness({ url: urls, minReconnectDelayMs: 100, maxReconnectDelayMs: 1_000 });
    const connecting = h.relay.connect();
    await flush();
    const seenUrls: string[] = [];
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      seenUrls.push(h.socket().url);
      h.socket().drop(1006); // refused or unreachable: closes before `connected`
      const change = h.changes.at(-1)!;
      expect(change.current).toBe('disconnected');
      expect(change.reason?.code).toBe('connection_closed');
      const delay = change.retryIn!;
      delays.push(delay);
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(Backoff.ceiling(100, 1_000, attempt));
      const before = h.sockets.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(h.sockets).toHaveLength(before); // not earlier than announced
      await reconnectAfter(1);
      expect(h.sockets).toHaveLength(before + 1);
    }
    expect(seenUrls).toEqual([
      'ws://a.test/v1/ws',
      'ws://b.test:9000/v1/ws',
      'wss://c.test/custom',
      'ws://a.test/v1/ws',
      'ws://b.test:9000/v1/ws',
      'wss://c.test/custom',
    ]);
    h.socket().accept();
    await connecting;
    expect(h.states().slice(0, 4)).toEqual(['connecting', 'disconnected', 'connecting', 'disconnected']);
  });

  it('spreads delays over the whole jitter window (random at both ends)', async () => {
    const random = vi.spyOn(Math, 'random');
    const h = harness({ minReconnectDelayMs: 250, maxReconnectDelayMs: 15_000 });
    await h.connect();
    random.mockReturnValue(0);
    h.socket().drop(1006);
    expect(h.changes.at(-1)?.retryIn).toBe(250);
    await reconnectAfter(250);
    random.mockReturnValue(0.999_999);
    h.socket().drop(1006);
    expect(h.changes.at(-1)?.retryIn).toBe(999); // second attempt: ceiling 250·2^2
  });

  it('re-joins joined rooms and re-subscribes those with listeners after reconnecting', async () => {
    const h = harness();
    const first = await h.connect();
    const withListener = await h.join('a');
    await h.join('b');
    const seen: number[] = [];
    withListener.subscribe('m', (m) => seen.push(m.seq));
    first.ack(first.last('subscribe'));

    first.drop(CloseCode.ServerShutdown, 'server shutting down');
    expect(h.relay.connection.state).toBe('disconnected');
    await reconnectAfter(h.changes.at(-1)!.retryIn!);
    const second = h.socket();
    expect(second).not.toBe(first);
    second.accept({ connectionId: 'conn-2' });
    expect(second.sent.map((f) => [f.type, 'room' in f ? f.room : ''])).toEqual([
      ['join', 'a'],
      ['join', 'b'],
    ]);
    expect(h.relay.connection.state).toBe('connected');
    expect(h.relay.connectionId).toBe('conn-2');

    for (const join of second.sent.filter((f) => f.type === 'join')) second.ack(join);
    await flush();
    expect(second.sent.filter((f) => f.type === 'subscribe')).toEqual([
      expect.objectContaining({ room: 'a' }),
    ]);
    second.push({
      type: 'message',
      id: 'x',
      seq: 9,
      room: 'a',
      event: 'm',
      data: 1,
      clientId: 'c',
      timestamp: 1,
    });
    expect(seen).toEqual([9]);
  });

  it('drops a room whose re-join is refused and reports it on the room', async () => {
    const h = harness();
    const first = await h.connect();
    const room = await h.join('a');
    const roomErrors: string[] = [];
    room.on('error', (error) => roomErrors.push(error.code));
    first.drop(1006);
    await reconnectAfter(h.changes.at(-1)!.retryIn!);
    const second = h.socket();
    second.accept();
    second.fail(second.last('join'), 'permission_denied', 'revoked');
    await flush();
    expect(roomErrors).toEqual(['permission_denied']);
    expect(room.joined).toBe(false);

    second.drop(1006);
    await reconnectAfter(h.changes.at(-1)!.retryIn!);
    h.socket().accept();
    expect(h.socket().sent).toEqual([]); // not restored again
  });

  it('a 41xx close goes to failed with a typed reason and never reconnects', async () => {
    const h = harness();
    const socket = await h.connect();
    const room = await h.join('a');
    const pending = room.publish('e', 1);
    socket.drop(CloseCode.TokenExpired, 'token expired');
    await expect(pending).rejects.toMatchObject({ code: 'connection_closed' });
    expect(h.relay.connection.state).toBe('failed');
    expect(h.changes.at(-1)?.reason).toMatchObject({ code: 'token_expired', message: 'token expired' });
    expect(h.relay.connection.errorReason?.code).toBe('token_expired');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('a close reason starting with an error code sets that code', async () => {
    const h = harness();
    const socket = await h.connect();
    socket.drop(CloseCode.Unauthorized, 'token_client_mismatch: clientId changed');
    expect(h.relay.connection.errorReason?.code).toBe('token_client_mismatch');
  });

  it('fails without retrying when the upgrade is refused with 401 (ws unexpected-response)', async () => {
    const h = harness();
    const connecting = h.relay.connect();
    await flush();
    h.socket().refuse(401, { error: { code: 'token_expired', message: 'token expired at ...' } });
    await expect(connecting).rejects.toMatchObject({
      code: 'token_expired',
      message: 'token expired at ...',
    });
    expect(h.relay.connection.state).toBe('failed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('retries an upgrade refused with 429, and fails on a 41xx close before connected', async () => {
    const h = harness();
    const connecting = h.relay.connect();
    await flush();
    h.socket().refuse(429, { error: { code: 'connection_rate_limited', message: 'slow down' } });
    expect(h.relay.connection.state).toBe('disconnected');
    expect(h.relay.connection.errorReason?.code).toBe('connection_rate_limited');
    await reconnectAfter(h.changes.at(-1)!.retryIn!);
    h.socket().open();
    h.socket().drop(CloseCode.ConnectionLimit, 'too many connections');
    await expect(connecting).rejects.toMatchObject({ code: 'app_connection_limit' });
    expect(h.relay.connection.state).toBe('failed');
  });

  it('reconnects when nothing arrives for 2×heartbeatMs + margin; heartbeats keep it alive', async () => {
    const h = harness();
    const first = await h.connect({ heartbeatMs: 1_000 });
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      first.push({ type: 'heartbeat' });
    }
    expect(h.relay.connection.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(2_000 + HEARTBEAT_MARGIN_MS - 1);
    expect(h.relay.connection.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.relay.connection.state).toBe('disconnected');
    expect(first.closedByClient?.code).toBe(CloseCode.HeartbeatTimeout);
    expect(h.relay.connection.errorReason?.code).toBe('timeout');
    await reconnectAfter(h.changes.at(-1)!.retryIn!);
    h.socket().accept();
    expect(h.relay.connection.state).toBe('connected');
  });

  it('gives up on a socket that never sends connected within connectTimeoutMs', async () => {
    const h = harness({ connectTimeoutMs: 5_000 });
    void h.relay.connect().catch(() => {});
    await flush();
    h.socket().open();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.relay.connection.state).toBe('disconnected');
    expect(h.relay.connection.errorReason?.code).toBe('timeout');
  });

  it('goes suspended after suspendedAfterMs, rejects connect(), and keeps retrying at the max delay', async () => {
    const h = harness({ suspendedAfterMs: 10_000, maxReconnectDelayMs: 4_000 });
    const start = Date.now();
    const connecting = h.relay.connect();
    const rejected = expect(connecting).rejects.toMatchObject({ code: 'connection_closed' });
    await flush();
    const state = () => h.relay.connection.state;
    for (;;) {
      h.socket().drop(1006);
      if (state() === 'suspended') break;
      await reconnectAfter(h.changes.at(-1)!.retryIn!);
    }
    expect(Date.now() - start).toBeGreaterThanOrEqual(10_000);
    await rejected;
    expect(h.changes.at(-1)?.retryIn).toBe(4_000);
    await reconnectAfter(4_000);
    h.socket().drop(1006);
    expect(h.changes.at(-2)).toMatchObject({ previous: 'suspended', current: 'connecting' });
    expect(h.changes.at(-1)).toMatchObject({ current: 'suspended', retryIn: 4_000 });
    await reconnectAfter(4_000);
    h.socket().accept();
    expect(h.relay.connection.state).toBe('connected');
  });

  it('ignores every callback of a socket it has given up', async () => {
    const h = harness();
    const first = await h.connect();
    const room = await h.join('a');
    const seen: number[] = [];
    room.subscribe((m) => seen.push(m.seq));
    first.ack(first.last('subscribe'));
    first.drop(1006);
    await reconnectAfter(h.changes.at(-1)!.retryIn!);
    const second = h.socket();
    second.accept();
    const stateCount = h.changes.length;

    // The old socket is still talking: a message, a bogus connected, an ack, a close.
    first.push({
      type: 'message',
      id: 'old',
      seq: 1,
      room: 'a',
      event: 'm',
      data: 1,
      clientId: 'c',
      timestamp: 1,
    });
    first.push({ type: 'connected', connectionId: 'stale', clientId: 'x', heartbeatMs: 1, limits: {} });
    first.ack({ ref: second.last('join').ref });
    first.drop(CloseCode.Unauthorized, 'stale');
    expect(seen).toEqual([]);
    expect(h.relay.connectionId).toBe('conn-1');
    expect(h.relay.connection.state).toBe('connected');
    expect(h.changes).toHaveLength(stateCount);
  });

  it('uses the apiKey subprotocol (base64url, no padding) and clientId in the query', async () => {
    const h = harness({ apiKey: 'app1.key1:sécret?', clientId: 'server 1' });
    void h.relay.connect();
    await flush();
    expect(h.socket().protocols).toEqual(['relaybox.v1', 'relaybox.apikey.YXBwMS5rZXkxOnPDqWNyZXQ_']);
    expect(h.socket().url).toBe('ws://gw.test/v1/ws?clientId=server+1');
    expect(h.socket().url).not.toContain('cret');
  });

  it('connect() after failed starts over with a fresh attempt', async () => {
    const h = harness({ token: fakeJwt({ sub: 'a' }) });
    const socket = await h.connect();
    socket.drop(CloseCode.PolicyViolation, 'too many invalid frames');
    expect(h.relay.connection.state).toBe('failed');
    const again = h.relay.connect();
    await flush();
    h.socket().accept();
    await again;
    expect(h.sockets).toHaveLength(2);
  });
});
