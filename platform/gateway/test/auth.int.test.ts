import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/start-gateway.js';
import {
  ALPHA_FULL,
  ALPHA_LIMITED,
  apiKeyOf,
  BETA,
  refusedUpgrade,
  startTestGateway,
  TestClient,
  wsUrl,
} from './harness.js';
import { mintToken, unsecuredToken } from './tokens.js';

let gw: RunningGateway;
let url: string;

beforeAll(async () => {
  gw = await startTestGateway();
  url = wsUrl(gw);
});
afterAll(() => gw.shutdown());

describe('upgrade authentication', () => {
  it('accepts a token in the subprotocol, answers relaybox.v1 and reports the connection', async () => {
    const client = await TestClient.connect(url, {
      token: await mintToken({ ...ALPHA_FULL, clientId: 'ann' }),
    });
    expect(client.ws.protocol).toBe('relaybox.v1');
    expect(client.connected).toMatchObject({ clientId: 'ann', heartbeatMs: 15000 });
    expect(client.connected.connectionId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(client.connected.expiresAt).toBeGreaterThan(Date.now());
    await client.close();
  });

  it('accepts a token in the query string', async () => {
    const token = await mintToken({ ...ALPHA_FULL, clientId: 'q' });
    const client = await TestClient.connect(url, { token, tokenInQuery: true });
    expect(client.connected.clientId).toBe('q');
    await client.close();
  });

  it('accepts an API key (subprotocol or Authorization header) for trusted server-side clients', async () => {
    const viaProtocol = await TestClient.connect(url, { apiKey: apiKeyOf(ALPHA_FULL), clientId: 'backend' });
    expect(viaProtocol.connected.clientId).toBe('backend');
    expect(viaProtocol.connected.expiresAt).toBeUndefined();
    const viaHeader = await TestClient.connect(url, {
      headers: { authorization: `Bearer ${apiKeyOf(BETA)}` },
    });
    expect(viaHeader.connected.clientId).toBe('server:main');
    await Promise.all([viaProtocol.close(), viaHeader.close()]);
  });

  const cases: Array<[string, () => Promise<Parameters<typeof refusedUpgrade>[1]>, number, string]> = [
    ['missing credentials', async () => ({}), 401, 'token_missing'],
    ['a malformed token', async () => ({ token: 'garbage' }), 401, 'token_malformed'],
    [
      'a bad signature',
      async () => ({
        token: await mintToken({ ...ALPHA_FULL, secret: 'not-the-secret-000', clientId: 'x' }),
      }),
      401,
      'token_signature_invalid',
    ],
    [
      'alg none',
      async () => ({ token: unsecuredToken('alpha.full', 'x') }),
      401,
      'token_algorithm_unsupported',
    ],
    [
      'alg HS384',
      async () => ({ token: await mintToken({ ...ALPHA_FULL, clientId: 'x', alg: 'HS384' }) }),
      401,
      'token_algorithm_unsupported',
    ],
    [
      'an expired token',
      async () => ({ token: await mintToken({ ...ALPHA_FULL, clientId: 'x', expiresIn: -30 }) }),
      401,
      'token_expired',
    ],
    [
      'a token not yet valid',
      async () => ({ token: await mintToken({ ...ALPHA_FULL, clientId: 'x', notBefore: 300 }) }),
      401,
      'token_not_yet_valid',
    ],
    [
      'an unknown key',
      async () => ({ token: await mintToken({ ...ALPHA_FULL, keyId: 'ghost', clientId: 'x' }) }),
      401,
      'key_unknown',
    ],
    [
      "a key of another app (beta's key named under alpha)",
      async () => ({ token: await mintToken({ ...BETA, kid: 'alpha.main', clientId: 'x' }) }),
      401,
      'key_unknown',
    ],
    [
      "a token signed with another app's secret",
      async () => ({ token: await mintToken({ ...ALPHA_FULL, secret: BETA.secret, clientId: 'x' }) }),
      401,
      'token_signature_invalid',
    ],
    [
      'an API key with a wrong secret',
      async () => ({ apiKey: 'alpha.full:wrong-secret-000000' }),
      401,
      'api_key_invalid',
    ],
    ['an API key of another app', async () => ({ apiKey: `alpha.main:${BETA.secret}` }), 401, 'key_unknown'],
  ];

  it.each(cases)(
    'refuses %s with an HTTP status and a JSON error body',
    async (_name, options, status, code) => {
      const refused = await refusedUpgrade(url, await options());
      expect(refused.status).toBe(status);
      expect(refused.body.error.code).toBe(code);
      expect(typeof refused.body.error.message).toBe('string');
    },
  );

  it('keeps serving other clients after refusing upgrades', async () => {
    const client = await TestClient.connect(url, { apiKey: apiKeyOf(ALPHA_FULL) });
    expect((await client.request({ type: 'ping' })).type).toBe('ack');
    await client.close();
  });
});

describe('permissions', () => {
  it('a limited key allows only its patterns and operations', async () => {
    const client = await TestClient.connect(url, { apiKey: apiKeyOf(ALPHA_LIMITED) });
    await client.ok({ type: 'join', room: 'public:news:1' });
    await client.ok({ type: 'subscribe', room: 'public:news:1' });
    const publish = await client.request({ type: 'publish', room: 'public:news:1', event: 'e', data: 1 });
    expect(publish).toMatchObject({ type: 'error', error: { code: 'permission_denied' } });
    const join = await client.request({ type: 'join', room: 'private:x' });
    expect(join).toMatchObject({ type: 'error', error: { code: 'permission_denied' } });
    await client.ok({ type: 'join', room: 'chat:1' });
    expect((await client.ok({ type: 'publish', room: 'chat:1', event: 'e', data: 1 })).result).toMatchObject({
      seq: 1,
    });
    await client.close();
  });

  it('a token narrows its key and cannot widen it', async () => {
    const token = await mintToken({
      ...ALPHA_LIMITED,
      clientId: 'n',
      permissions: { '*': ['subscribe', 'publish'] },
    });
    const client = await TestClient.connect(url, { token });
    await client.ok({ type: 'join', room: 'public:a' });
    const publish = await client.request({ type: 'publish', room: 'public:a', event: 'e', data: 1 });
    expect(publish).toMatchObject({ type: 'error', error: { code: 'permission_denied' } });
    const narrow = await TestClient.connect(url, {
      token: await mintToken({ ...ALPHA_FULL, clientId: 'm', permissions: { 'chat:lobby': ['subscribe'] } }),
    });
    await narrow.ok({ type: 'join', room: 'chat:lobby' });
    expect(await narrow.request({ type: 'publish', room: 'chat:lobby', event: 'e', data: 1 })).toMatchObject({
      error: { code: 'permission_denied' },
    });
    expect(await narrow.request({ type: 'join', room: 'chat:other' })).toMatchObject({
      error: { code: 'permission_denied' },
    });
    await Promise.all([client.close(), narrow.close()]);
  });

  it('publishing and subscribing require having joined the room', async () => {
    const client = await TestClient.connect(url, { apiKey: apiKeyOf(ALPHA_FULL) });
    expect(await client.request({ type: 'publish', room: 'r1', event: 'e', data: 1 })).toMatchObject({
      error: { code: 'not_joined' },
    });
    expect(await client.request({ type: 'subscribe', room: 'r1' })).toMatchObject({
      error: { code: 'not_joined' },
    });
    await client.ok({ type: 'join', room: 'r1' });
    await client.ok({ type: 'publish', room: 'r1', event: 'e', data: 1 });
    await client.ok({ type: 'leave', room: 'r1' });
    expect(await client.request({ type: 'publish', room: 'r1', event: 'e', data: 1 })).toMatchObject({
      error: { code: 'not_joined' },
    });
    await client.close();
  });

  it('isolates apps: the same room name in two apps never shares messages or seqs', async () => {
    const alpha = await TestClient.connect(url, { apiKey: apiKeyOf(ALPHA_FULL) });
    const beta = await TestClient.connect(url, { apiKey: apiKeyOf(BETA) });
    await alpha.joinAndSubscribe('shared');
    await beta.joinAndSubscribe('shared');
    const a = await alpha.ok({ type: 'publish', room: 'shared', event: 'e', data: 'from alpha' });
    const b = await beta.ok({ type: 'publish', room: 'shared', event: 'e', data: 'from beta' });
    expect(a.result).toMatchObject({ seq: 1 });
    expect(b.result).toMatchObject({ seq: 1 });
    await alpha.waitForMessages('shared', 1);
    await beta.waitForMessages('shared', 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(alpha.messages().map((m) => m.data)).toEqual(['from alpha']);
    expect(beta.messages().map((m) => m.data)).toEqual(['from beta']);
    await Promise.all([alpha.close(), beta.close()]);
  });
});
