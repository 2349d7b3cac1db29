import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdentityProviderConfig } from '@relaybox/core';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdpVerifier } from './idp-verifier.js';
import { DEFAULT_JWKS_LIMITS } from './jwks-source.js';

/** A loopback HTTP server whose answers each test sets (JWKS, discovery, oversized or silent). */
let server: Server;
let base: string;
let answer: (path: string) => { status: number; body: string } | 'hang';
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    const reply = answer(req.url ?? '/');
    if (reply === 'hang') return; // never answers: the fetch timeout must end it
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function config(overrides: Partial<IdentityProviderConfig> = {}): IdentityProviderConfig {
  return {
    appId: 'app',
    id: 'idp',
    issuer: base,
    audience: 'relay',
    jwksUri: undefined,
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    permissions: { '*': ['subscribe'] },
    permissionsClaim: undefined,
    clientIdClaim: 'sub',
    userClaims: { name: 'name', avatar: 'picture' },
    jwksRefreshCooldownSec: 30,
    ...overrides,
  };
}

async function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } as JWK };
}

function sign(key: Awaited<ReturnType<typeof keyPair>>, claims: Record<string, unknown> = {}) {
  return new SignJWT({
    sub: 'user-1',
    iss: base,
    aud: 'relay',
    name: 'Ann',
    picture: 'https://a/p.png',
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

const verifierOf = (c: IdentityProviderConfig, limits = DEFAULT_JWKS_LIMITS) =>
  new IdpVerifier([c], { clockToleranceSec: 0, maxTokenLifetimeSec: 3600, jwksLimits: limits });

async function codeOf(verifier: IdpVerifier, token: string): Promise<string> {
  try {
    const provider = verifier.match(token);
    if (!provider) return 'not-matched';
    await verifier.verify(token, provider);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('IdpVerifier', () => {
  it('verifies RS256, ES256 and EdDSA through discovery, mapping sub and user info', async () => {
    const keys = await Promise.all([keyPair('RS256', 'r'), keyPair('ES256', 'e'), keyPair('EdDSA', 'o')]);
    answer = (path) =>
      path === '/.well-known/openid-configuration'
        ? { status: 200, body: JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }) }
        : { status: 200, body: JSON.stringify({ keys: keys.map((k) => k.jwk) }) };
    const verifier = verifierOf(config());
    for (const key of keys) {
      const token = await sign(key);
      const principal = await verifier.verify(token, verifier.match(token) as never);
      expect(principal).toMatchObject({ appId: 'app', keyId: 'idp.idp', clientId: 'user-1' });
      expect(principal.user).toEqual({ id: 'user-1', name: 'Ann', avatar: 'https://a/p.png' });
    }
  });

  it('refuses an algorithm the provider is not configured for, and tokens without a permissions claim', async () => {
    const key = await keyPair('ES256', 'e');
    answer = () => ({ status: 200, body: JSON.stringify({ keys: [key.jwk] }) });
    const jwksUri = `${base}/keys`;
    expect(await codeOf(verifierOf(config({ jwksUri, algorithms: ['RS256'] })), await sign(key))).toBe(
      'token_algorithm_unsupported',
    );
    const withClaim = verifierOf(config({ jwksUri, permissionsClaim: 'rb' }));
    expect(await codeOf(withClaim, await sign(key))).toBe('token_claims_invalid');
    expect(await codeOf(withClaim, await sign(key, { rb: { 'chat:*': ['publish'] } }))).toBe('ok');
    expect(await codeOf(withClaim, await sign(key, { rb: { 'chat:*': ['fly'] } }))).toBe(
      'token_claims_invalid',
    );
  });

  it('refuses a discovery document naming another issuer', async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({ issuer: 'https://elsewhere', jwks_uri: `${base}/k` }),
    });
    expect(await codeOf(verifierOf(config()), await sign(await keyPair('RS256', 'r')))).toBe(
      'store_unavailable',
    );
  });

  it('bounds the JWKS: size, fetch time and number of keys', async () => {
    const key = await keyPair('RS256', 'r');
    const jwksUri = `${base}/keys`;
    const limits = { ...DEFAULT_JWKS_LIMITS, maxBytes: 4096, timeoutMs: 300, maxKeys: 2 };
    const padding = 'x'.repeat(5000);
    answer = () => ({ status: 200, body: JSON.stringify({ keys: [key.jwk], padding }) });
    expect(await codeOf(verifierOf(config({ jwksUri }), limits), await sign(key))).toBe('store_unavailable');
    answer = () => 'hang';
    const hanging = verifierOf(config({ jwksUri }), limits);
    expect(await codeOf(hanging, await sign(key))).toBe('store_unavailable');
    // The unreachable provider is not asked again for every token: once per cooldown (30 s).
    const asked = requests;
    expect(await codeOf(hanging, await sign(key))).toBe('store_unavailable');
    expect(requests).toBe(asked);
    const others = await Promise.all([keyPair('RS256', 'a'), keyPair('RS256', 'b')]);
    answer = () => ({ status: 200, body: JSON.stringify({ keys: [...others.map((k) => k.jwk), key.jwk] }) });
    // Only the first maxKeys keys are kept: the third kid stays unknown.
    expect(await codeOf(verifierOf(config({ jwksUri }), limits), await sign(key))).toBe('key_unknown');
    expect(await codeOf(verifierOf(config({ jwksUri }), limits), await sign(others[1] as never))).toBe('ok');
  });

  it('refuses a token living longer than the maximum lifetime', async () => {
    const key = await keyPair('RS256', 'r');
    answer = () => ({ status: 200, body: JSON.stringify({ keys: [key.jwk] }) });
    const token = await new SignJWT({ sub: 'u', iss: base, aud: 'relay' })
      .setProtectedHeader({ alg: 'RS256', kid: 'r' })
      .setExpirationTime('2h')
      .sign(key.privateKey);
    expect(await codeOf(verifierOf(config({ jwksUri: `${base}/keys` })), token)).toBe(
      'token_lifetime_too_long',
    );
  });
});
