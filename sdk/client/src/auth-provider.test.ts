import { describe, expect, it, vi } from 'vitest';
import { AuthProvider } from './auth-provider.js';
import type { FetchLike } from './relay-box-options.js';
import { fakeJwt } from './test-support/relay-harness.js';

const endpoint = (fetch: FetchLike) =>
  new AuthProvider({ kind: 'authEndpoint', authEndpoint: 'https://app.test/token', fetch }, 'c1', 1_000);

describe('AuthProvider', () => {
  it('reads {token} JSON or a text JWT from the auth endpoint', async () => {
    const jwt = fakeJwt({ sub: 'c1' });
    await expect(endpoint(async () => Response.json({ token: jwt })).renew()).resolves.toBe(jwt);
    await expect(endpoint(async () => new Response(`  ${jwt}\n`)).renew()).resolves.toBe(jwt);
  });

  it('maps endpoint failures to typed errors', async () => {
    await expect(endpoint(async () => new Response('', { status: 401 })).renew()).rejects.toMatchObject({
      code: 'auth_endpoint_failed',
      message: 'auth endpoint answered HTTP 401',
    });
    await expect(endpoint(async () => Response.json({ nope: 1 })).renew()).rejects.toMatchObject({
      code: 'auth_endpoint_failed',
    });
    await expect(endpoint(async () => new Response('not a jwt!')).renew()).rejects.toThrow(/not a JWT/);
    const unreachable = endpoint(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(unreachable.renew()).rejects.toMatchObject({ code: 'network_error' });
  });

  it('times out and aborts a hanging endpoint', async () => {
    vi.useFakeTimers();
    try {
      let signal: AbortSignal | undefined;
      const provider = endpoint(
        (_url, init) =>
          new Promise((_resolve, reject) => {
            signal = init.signal ?? undefined;
            signal?.addEventListener('abort', () => reject(signal?.reason));
          }),
      );
      const renewing = expect(provider.renew()).rejects.toMatchObject({ code: 'timeout' });
      await vi.advanceTimersByTimeAsync(1_000);
      await renewing;
      expect(signal?.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('wraps getToken failures and rejects empty results', async () => {
    const failing = new AuthProvider(
      { kind: 'getToken', getToken: () => Promise.reject(new Error('x')) },
      'c',
      1_000,
    );
    await expect(failing.renew()).rejects.toMatchObject({
      code: 'auth_endpoint_failed',
      message: 'getToken failed: x',
    });
    const empty = new AuthProvider({ kind: 'getToken', getToken: () => ({ token: '' }) }, 'c', 1_000);
    await expect(empty.renew()).rejects.toThrow(/no token/);
  });

  it('prefers the JWT exp and falls back to the server-reported expiry for opaque tokens', async () => {
    const opaque = new AuthProvider({ kind: 'getToken', getToken: () => 'opaque-token' }, undefined, 1_000);
    await opaque.upgradeCredentials();
    expect(opaque.expiresAt).toBeUndefined();
    opaque.noteServerExpiry(123_456);
    expect(opaque.expiresAt).toBe(123_456);
  });
});
