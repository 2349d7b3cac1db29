import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyIdToken } from './id-token.js';

const ISSUER = 'https://op.test';
const CLIENT = 'chat-app';
let signing: { privateKey: CryptoKey; jwk: JWK };
let other: { privateKey: CryptoKey; jwk: JWK };

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
}

beforeAll(async () => {
  signing = await key('k1');
  other = await key('k1'); // same kid, another key: a forged signature
});

function token(claims: Record<string, unknown> = {}, by = signing, exp: string | number = '5m') {
  return new SignJWT({ iss: ISSUER, aud: CLIENT, sub: 'user-1', nonce: 'n-1', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(by.privateKey);
}

async function codeOf(idToken: string | Promise<string>, nonce = 'n-1'): Promise<string> {
  try {
    const keys = createLocalJWKSet({ keys: [signing.jwk] });
    await verifyIdToken(await idToken, keys, {
      issuer: ISSUER,
      clientId: CLIENT,
      nonce,
      clockToleranceSec: 0,
    });
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('verifyIdToken', () => {
  it('accepts a token of the issuer for this client with the nonce of this sign-in', async () => {
    expect(await codeOf(token())).toBe('ok');
    expect(await codeOf(token({ aud: [CLIENT, 'api'], azp: CLIENT }))).toBe('ok');
  });

  it('refuses wrong iss, aud, azp, nonce, exp and a missing sub', async () => {
    expect(await codeOf(token({ iss: 'https://evil.test' }))).toBe('oauth_id_token_invalid');
    expect(await codeOf(token({ aud: 'another-app' }))).toBe('oauth_id_token_invalid');
    expect(await codeOf(token({ aud: [CLIENT, 'api'], azp: 'api' }))).toBe('oauth_id_token_invalid');
    expect(await codeOf(token(), 'n-2')).toBe('oauth_id_token_invalid');
    expect(await codeOf(token({ nonce: undefined }))).toBe('oauth_id_token_invalid');
    expect(await codeOf(token({}, signing, Math.floor(Date.now() / 1000) - 60))).toBe(
      'oauth_id_token_invalid',
    );
    expect(await codeOf(token({ sub: undefined }))).toBe('oauth_id_token_invalid');
  });

  it('refuses a bad signature and a symmetric algorithm', async () => {
    expect(await codeOf(token({}, other))).toBe('oauth_id_token_invalid');
    const hs = await new SignJWT({ iss: ISSUER, aud: CLIENT, sub: 'u', nonce: 'n-1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('client-secret-used-as-hmac-key-0123'));
    expect(await codeOf(hs)).toBe('oauth_id_token_invalid');
    expect(await codeOf('not.a.jwt')).toBe('oauth_id_token_invalid');
  });
});
