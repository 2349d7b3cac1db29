import { createHmac } from 'node:crypto';
import { RelayBoxError } from '@relaybox/protocol';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyHs256 } from './hs256.js';

const SECRET = 'hs256-test-secret-0001';
const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS signed by hand, so header and payload can hold what jose would refuse to write. */
function forge(header: unknown, payload: unknown, secret = SECRET, rawPayload?: string): string {
  const input = `${b64(header)}.${rawPayload ?? b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const HEADER = { alg: 'HS256', kid: 'alpha.k1' };
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    return error instanceof RelayBoxError ? error.code : `not a RelayBoxError: ${String(error)}`;
  }
};
const verify = (token: string) => verifyHs256(token, SECRET, { clockToleranceSec: 5, nowSec: NOW });

describe('verifyHs256', () => {
  it('accepts what jose signs and returns the claims', async () => {
    const token = await new SignJWT({ permissions: { 'chat:*': ['publish'] } })
      .setProtectedHeader(HEADER)
      .setSubject('ann')
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .sign(new TextEncoder().encode(SECRET));
    expect(verify(token)).toMatchObject({
      sub: 'ann',
      exp: NOW + 600,
      permissions: { 'chat:*': ['publish'] },
    });
  });

  it.each([
    ['another secret', forge(HEADER, { sub: 'a', exp: NOW + 60 }, 'other-secret'), 'token_signature_invalid'],
    [
      'a truncated signature',
      forge(HEADER, { sub: 'a', exp: NOW + 60 }).slice(0, -4),
      'token_signature_invalid',
    ],
    ['two segments', 'a.b', 'token_malformed'],
    ['a payload that is not JSON', forge(HEADER, null, SECRET, 'bm90IGpzb24'), 'token_malformed'],
    ['a payload that is an array', forge(HEADER, [1]), 'token_malformed'],
    ['a crit header', forge({ ...HEADER, crit: ['b64'] }, { sub: 'a', exp: NOW + 60 }), 'token_malformed'],
    ['no exp', forge(HEADER, { sub: 'a' }), 'token_claims_invalid'],
    ['no sub', forge(HEADER, { exp: NOW + 60 }), 'token_claims_invalid'],
    ['exp as a string', forge(HEADER, { sub: 'a', exp: String(NOW + 60) }), 'token_claims_invalid'],
    ['nbf as a string', forge(HEADER, { sub: 'a', exp: NOW + 60, nbf: 'soon' }), 'token_claims_invalid'],
    ['expired beyond the tolerance', forge(HEADER, { sub: 'a', exp: NOW - 6 }), 'token_expired'],
    [
      'not valid yet beyond the tolerance',
      forge(HEADER, { sub: 'a', exp: NOW + 60, nbf: NOW + 6 }),
      'token_not_yet_valid',
    ],
  ])('refuses %s', (_name, token, expected) => {
    expect(code(() => verify(token))).toBe(expected);
  });

  it('allows the clock tolerance on both sides', () => {
    expect(code(() => verify(forge(HEADER, { sub: 'a', exp: NOW - 4 })))).toBe('accepted');
    expect(code(() => verify(forge(HEADER, { sub: 'a', exp: NOW + 60, nbf: NOW + 4 })))).toBe('accepted');
  });
});
