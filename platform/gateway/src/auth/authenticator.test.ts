import { describe, expect, it } from 'vitest';
import { LocalKeyStore } from '../../../adapters/src/local/local-key-store.js';
import { mintToken, unsecuredToken } from '../../test/tokens.js';
import { Authenticator, secretsEqual } from './authenticator.js';

const ALPHA = { appId: 'alpha', keyId: 'k1', secret: 'alpha-secret-0001' };
const BETA = { appId: 'beta', keyId: 'k9', secret: 'beta-secret-00009' };
const keys = new LocalKeyStore([
  { ...ALPHA, permissions: { 'chat:>': ['subscribe', 'publish'], 'news:*': ['subscribe'] } },
  { ...BETA, permissions: { '*': ['subscribe', 'publish'] } },
]);
const auth = new Authenticator(keys, { clockToleranceSec: 0, maxTokenLifetimeSec: 86_400 });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  throw new Error('expected a rejection');
}

describe('Authenticator.verifyToken', () => {
  it('accepts a valid token and narrows the key permissions by the token', async () => {
    const token = await mintToken({
      ...ALPHA,
      clientId: 'ann',
      permissions: { 'chat:lobby': ['subscribe'] },
    });
    const principal = await auth.verifyToken(token);
    expect(principal).toMatchObject({ appId: 'alpha', keyId: 'k1', clientId: 'ann', via: 'token' });
    expect(principal.expiresAt).toBeGreaterThan(Date.now());
    expect(principal.grants.can('chat:lobby', 'subscribe')).toBe(true);
    expect(principal.grants.can('chat:lobby', 'publish')).toBe(false); // token narrows
    expect(principal.grants.can('chat:other', 'subscribe')).toBe(false);
  });

  it('never widens the key: a token asking for more gets only what the key has', async () => {
    const token = await mintToken({
      ...ALPHA,
      clientId: 'ann',
      permissions: { '*': ['subscribe', 'publish', 'history'] },
    });
    const { grants } = await auth.verifyToken(token);
    expect(grants.can('chat:a', 'publish')).toBe(true);
    expect(grants.can('news:a', 'publish')).toBe(false);
    expect(grants.can('chat:a', 'history')).toBe(false);
    expect(grants.can('other', 'subscribe')).toBe(false);
  });

  it('inherits the key permissions when the token has none', async () => {
    const { grants } = await auth.verifyToken(await mintToken({ ...ALPHA, clientId: 'ann' }));
    expect(grants.can('chat:a:b', 'publish')).toBe(true);
    expect(grants.can('news:x', 'publish')).toBe(false);
  });

  it.each([
    ['malformed', () => Promise.resolve('not-a-jwt'), 'token_malformed'],
    ['two segments', () => Promise.resolve('a.b'), 'token_malformed'],
    [
      'bad signature',
      () => mintToken({ ...ALPHA, secret: 'wrong-secret-00000', clientId: 'x' }),
      'token_signature_invalid',
    ],
    ['alg none', () => Promise.resolve(unsecuredToken('alpha.k1', 'x')), 'token_algorithm_unsupported'],
    ['alg HS512', () => mintToken({ ...ALPHA, clientId: 'x', alg: 'HS512' }), 'token_algorithm_unsupported'],
    ['expired', () => mintToken({ ...ALPHA, clientId: 'x', expiresIn: -60 }), 'token_expired'],
    ['not yet valid', () => mintToken({ ...ALPHA, clientId: 'x', notBefore: 120 }), 'token_not_yet_valid'],
    ['no sub', () => mintToken({ ...ALPHA, clientId: undefined }), 'token_claims_invalid'],
    [
      'bad permissions',
      () => mintToken({ ...ALPHA, clientId: 'x', permissions: { 'a*': ['publish'] } }),
      'token_claims_invalid',
    ],
    ['unknown key', () => mintToken({ ...ALPHA, keyId: 'nope', clientId: 'x' }), 'key_unknown'],
    ['no kid', () => mintToken({ ...ALPHA, kid: '', clientId: 'x' }), 'token_malformed'],
    // A key of app beta named under app alpha is not found: keys are looked up by (appId, keyId).
    ['key of another app', () => mintToken({ ...BETA, kid: 'alpha.k9', clientId: 'x' }), 'key_unknown'],
    // Signed with beta's secret but claiming alpha's key: the signature does not verify.
    [
      'secret of another app',
      () => mintToken({ ...ALPHA, secret: BETA.secret, clientId: 'x' }),
      'token_signature_invalid',
    ],
  ])('refuses %s', async (_name, make, code) => {
    expect(await codeOf(auth.verifyToken(await make()))).toBe(code);
  });
});

describe('Authenticator.verifyApiKey', () => {
  it('accepts the right secret with the key permissions and the given clientId', async () => {
    const principal = await auth.verifyApiKey('alpha.k1:alpha-secret-0001', 'backend-1');
    expect(principal).toMatchObject({
      appId: 'alpha',
      clientId: 'backend-1',
      via: 'apiKey',
      expiresAt: undefined,
    });
    expect(principal.grants.can('chat:x', 'publish')).toBe(true);
  });

  it('names the key as the clientId when none is given', async () => {
    expect((await auth.verifyApiKey('alpha.k1:alpha-secret-0001')).clientId).toBe('server:k1');
  });

  it.each([
    ['wrong secret', 'alpha.k1:alpha-secret-0002', 'api_key_invalid'],
    ['shape', 'alpha-k1-secret', 'api_key_invalid'],
    ['unknown key', 'alpha.k2:alpha-secret-0001', 'key_unknown'],
    ['key of another app', 'alpha.k9:beta-secret-00009', 'key_unknown'],
  ])('refuses %s', async (_name, apiKey, code) => {
    expect(await codeOf(auth.verifyApiKey(apiKey))).toBe(code);
  });

  it('does not echo the secret in its error message', async () => {
    const error = await auth.verifyApiKey('alpha.k1:super-secret-value').then(
      () => new Error('resolved'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/wrong secret/);
    expect(error.message).not.toContain('super-secret-value');
  });
});

describe('secretsEqual', () => {
  it('compares by value, whatever the lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
  });
});
