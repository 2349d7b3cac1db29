import { CloseCode, TOKEN_PROTOCOL_PREFIX } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, flush, harness } from './test-support/relay-harness.js';
import { REFRESH_RETRY_DELAYS_MS, refreshDelay } from './token-refresher.js';

const NOW = Date.UTC(2030, 0, 1);

/** A token valid for `lifetimeSec` from the (fake) current time. */
function tokenFor(lifetimeSec: number, sub = 'alice'): string {
  const iat = Math.floor(Date.now() / 1000);
  return fakeJwt({ sub, iat, exp: iat + lifetimeSec, n: Math.random() });
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refreshDelay', () => {
  it('is 80% of the lifetime or 30 s before expiry, whichever is earlier, never before half of it', () => {
    expect(refreshDelay(3_600_000)).toBe(2_880_000);
    expect(refreshDelay(100_000)).toBe(70_000);
    expect(refreshDelay(40_000)).toBe(20_000);
    expect(refreshDelay(0)).toBe(0);
    expect(refreshDelay(-5_000)).toBe(0);
  });
});

describe('token refresh', () => {
  it('renews through getToken before expiry and sends refresh in band', async () => {
    const tokens: string[] = [];
    const getToken = vi.fn(async () => {
      tokens.push(tokenFor(600));
      return { token: tokens.at(-1)! };
    });
    const h = harness({ getToken, clientId: 'alice' });
    const socket = await h.connect({ heartbeatMs: 0 }); // no heartbeats: this test is about tokens
    expect(getToken).toHaveBeenCalledWith({ clientId: 'alice' });
    expect(socket.protocols[1]).toBe(`${TOKEN_PROTOCOL_PREFIX}${tokens[0]}`);

    await vi.advanceTimersByTimeAsync(480_000 - 1); // 80% of 600 s
    expect(socket.sent.some((f) => f.type === 'refresh')).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(getToken).toHaveBeenCalledTimes(2);
    const refresh = socket.last('refresh');
    expect(refresh.token).toBe(tokens[1]);
    socket.ack(refresh, { expiresAt: Date.now() + 600_000 });
    await flush();

    // The next refresh is scheduled from the new token.
    await vi.advanceTimersByTimeAsync(480_000);
    await flush();
    expect(socket.sent.filter((f) => f.type === 'refresh')).toHaveLength(2);
    expect(h.relay.connection.state).toBe('connected');
  });

  it('renews through authEndpoint (POST {clientId}, cookies) and accepts a text body', async () => {
    const requests: { url: string; init: RequestInit }[] = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return requests.length === 1
        ? Response.json({ token: tokenFor(100) })
        : new Response(`${tokenFor(100)}\n`, { headers: { 'content-type': 'application/jwt' } });
    });
    const h = harness({ authEndpoint: '/auth/relaybox', fetch, clientId: 'bob' });
    const socket = await h.connect({ heartbeatMs: 0 }); // no heartbeats: this test is about tokens
    expect(requests[0]).toMatchObject({
      url: '/auth/relaybox',
      init: { method: 'POST', credentials: 'include', body: JSON.stringify({ clientId: 'bob' }) },
    });
    expect(new Headers(requests[0]!.init.headers).get('content-type')).toBe('application/json');

    await vi.advanceTimersByTimeAsync(70_000); // min(80 s, 70 s)
    await flush();
    const refresh = socket.last('refresh');
    expect(refresh.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(socket.protocols[1]).not.toBe(`${TOKEN_PROTOCOL_PREFIX}${refresh.token}`);
  });

  it('retries a failed refresh a few times, reporting each failure, then lets the server close', async () => {
    let calls = 0;
    const getToken = vi.fn(async () => {
      calls++;
      if (calls === 1) return tokenFor(600);
      throw new Error('auth backend down');
    });
    const h = harness({ getToken });
    const socket = await h.connect({ heartbeatMs: 0 }); // no heartbeats: this test is about tokens
    await vi.advanceTimersByTimeAsync(480_000);
    await flush();
    for (const delay of REFRESH_RETRY_DELAYS_MS) {
      await vi.advanceTimersByTimeAsync(delay);
      await flush();
    }
    await vi.advanceTimersByTimeAsync(60_000);
    expect(getToken).toHaveBeenCalledTimes(1 + 1 + REFRESH_RETRY_DELAYS_MS.length);
    expect(h.errors.map((e) => e.code)).toEqual(
      Array(1 + REFRESH_RETRY_DELAYS_MS.length).fill('auth_endpoint_failed'),
    );
    expect(h.errors[0]?.message).toContain('auth backend down');
    socket.drop(CloseCode.TokenExpired, 'token expired');
    expect(h.relay.connection.state).toBe('failed');
  });

  it('reports a refresh refused by the server', async () => {
    const h = harness({ getToken: async () => tokenFor(100) });
    const socket = await h.connect({ heartbeatMs: 0 }); // no heartbeats: this test is about tokens
    await vi.advanceTimersByTimeAsync(70_000);
    await flush();
    socket.fail(socket.last('refresh'), 'token_client_mismatch', 'clientId differs');
    await flush();
    expect(h.errors.map((e) => e.code)).toEqual(['token_client_mismatch']);
  });

  it('an authEndpoint answering non-2xx fails the attempt with auth_endpoint_failed and retries', async () => {
    const fetch = vi.fn(async () => new Response('nope', { status: 500 }));
    const h = harness({ authEndpoint: 'https://app.test/token', fetch });
    void h.relay.connect().catch(() => {});
    await flush();
    expect(h.sockets).toHaveLength(0);
    expect(h.relay.connection.state).toBe('disconnected');
    expect(h.relay.connection.errorReason).toMatchObject({ code: 'auth_endpoint_failed' });
    expect(h.relay.connection.errorReason?.message).toContain('500');
    await vi.advanceTimersByTimeAsync(h.changes.at(-1)!.retryIn!);
    await flush();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('reuses a valid token on reconnect and fetches a new one when it is about to expire', async () => {
    const getToken = vi.fn(async () => tokenFor(3_600));
    const h = harness({ getToken });
    const first = await h.connect();
    first.drop(1006);
    await vi.advanceTimersByTimeAsync(h.changes.at(-1)!.retryIn!);
    await flush();
    expect(getToken).toHaveBeenCalledTimes(1);
    // The same credentials, plus the offer to resume the connection.
    expect(h.socket().protocols).toEqual([...first.protocols, 'relaybox.resume.conn-1.secret-1']);
    h.socket().accept();

    // Hours pass without a refresh reaching this point (e.g. the device slept): the token is stale.
    vi.setSystemTime(Date.now() + 3_590_000);
    h.socket().drop(1006);
    await vi.advanceTimersByTimeAsync(h.changes.at(-1)!.retryIn!);
    await flush();
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(h.socket().protocols[1]).not.toEqual(first.protocols[1]);
  });

  it('a static token is never refreshed', async () => {
    const h = harness({ token: tokenFor(60) });
    const socket = await h.connect({ heartbeatMs: 0 }); // no heartbeats: this test is about tokens
    await vi.advanceTimersByTimeAsync(120_000);
    expect(socket.sent.some((f) => f.type === 'refresh')).toBe(false);
  });

  it('close() while a token is being obtained opens no socket', async () => {
    let release: (token: string) => void = () => {};
    const h = harness({ getToken: () => new Promise<string>((resolve) => (release = resolve)) });
    const connecting = h.relay.connect();
    await flush();
    await h.relay.close();
    release(tokenFor(600));
    await flush();
    expect(h.sockets).toHaveLength(0);
    await expect(connecting).rejects.toMatchObject({ code: 'connection_closed' });
  });

  it('a getToken that never settles times out after requestTimeoutMs', async () => {
    const h = harness({ getToken: () => new Promise<string>(() => {}), requestTimeoutMs: 3_000 });
    void h.relay.connect().catch(() => {});
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.relay.connection.state).toBe('disconnected');
    expect(h.relay.connection.errorReason?.code).toBe('timeout');
  });
});
