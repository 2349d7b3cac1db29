import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayBoxRest } from './relay-box-rest.js';

const apiKey = 'app_1.key.v2:s3cr3t:with-colon';
const secret = new TextEncoder().encode('s3cr3t:with-colon');
const rest = new RelayBoxRest({ apiKey, url: 'http://localhost:9000' });

afterEach(() => {
  vi.useRealTimers();
});

describe('createToken', () => {
  it('signs HS256 with the key secret, kid <appId>.<keyId>, and the expected claims', async () => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1, 0, 0, 0, 700) });
    const permissions = { 'chat:*': ['subscribe', 'publish'], 'news:>': ['subscribe'] } as const;
    const { token, expiresAt } = await rest.createToken({ clientId: 'alice', permissions, expiresIn: 600 });

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid: 'app_1.key.v2', typ: 'JWT' });
    const iat = Date.UTC(2030, 0, 1) / 1000;
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], currentDate: new Date() });
    expect(payload).toEqual({
      sub: 'alice',
      permissions,
      iat,
      exp: iat + 600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(expiresAt).toBe((iat + 600) * 1000);
  });

  it('defaults to one hour, leaves permissions out when not given, and never repeats a jti', async () => {
    const a = await rest.createToken({ clientId: 'bob' });
    const b = await rest.createToken({ clientId: 'bob' });
    const { payload } = await jwtVerify(a.token, secret);
    expect(payload.exp! - payload.iat!).toBe(3_600);
    expect(payload).not.toHaveProperty('permissions');
    expect((await jwtVerify(b.token, secret)).payload.jti).not.toBe(payload.jti);
  });

  it('does not verify with another secret', async () => {
    const { token } = await rest.createToken({ clientId: 'bob' });
    await expect(jwtVerify(token, new TextEncoder().encode('other'))).rejects.toThrow();
  });

  it.each([
    [{ clientId: '' }, /clientId/],
    [{ clientId: 'has space' }, /clientId/],
    [{ clientId: 'x'.repeat(201) }, /clientId/],
    [{ clientId: 'a', expiresIn: 0 }, /expiresIn/],
    [{ clientId: 'a', expiresIn: 86_401 }, /expiresIn/],
    [{ clientId: 'a', expiresIn: 1.5 }, /expiresIn/],
    [{ clientId: 'a', permissions: { 'a*': ['subscribe'] } }, /invalid room pattern/],
    [{ clientId: 'a', permissions: { chat: ['admin'] } }, /unknown operation/],
    [{ clientId: 'a', permissions: ['subscribe'] }, /permissions must be an object/],
  ])('rejects %j with invalid_options', async (params, message) => {
    const creating = rest.createToken(params as never);
    await expect(creating).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(creating).rejects.toThrow(message);
  });

  it('accepts 24 hours', async () => {
    const { token } = await rest.createToken({ clientId: 'a', expiresIn: 86_400 });
    const { payload } = await jwtVerify(token, secret);
    expect(payload.exp! - payload.iat!).toBe(86_400);
  });
});

describe('RelayBoxRest options', () => {
  it.each([
    [{ apiKey: 'nokey', url: 'http://h' }, /apiKey/],
    [{ apiKey: '.key:s', url: 'http://h' }, /apiKey/],
    [{ apiKey: 'app.:s', url: 'http://h' }, /apiKey/],
    [{ apiKey: 'app.key:', url: 'http://h' }, /apiKey/],
    [{ apiKey: 'app.key:s', url: 'localhost:9000/x' }, /url/],
    [{ apiKey: 'app.key:s', url: 'ws://h' }, /url/],
    [{ apiKey: 'app.key:s', url: 'http://h', timeoutMs: 0 }, /timeoutMs/],
  ])('rejects %j with invalid_options', (options, message) => {
    expect(() => new RelayBoxRest(options)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    expect(() => new RelayBoxRest(options)).toThrow(message);
  });
});
