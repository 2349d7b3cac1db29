import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from './base64-url.js';
import { decodeJwtPayload, jwtExpiry } from './jwt-expiry.js';
import { fakeJwt } from './test-support/relay-harness.js';

describe('base64url', () => {
  it('round-trips UTF-8 without padding', () => {
    const bytes = new TextEncoder().encode('app.key:sécret✓');
    const text = encodeBase64Url(bytes);
    expect(text).not.toMatch(/[+/=]/);
    expect(new TextDecoder().decode(decodeBase64Url(text))).toBe('app.key:sécret✓');
  });
});

describe('jwtExpiry', () => {
  const now = Date.UTC(2030, 0, 1);
  const iat = now / 1000;

  it('reads exp (in ms) and the payload', () => {
    const token = fakeJwt({ sub: 'ü', iat, exp: iat + 600 });
    expect(decodeJwtPayload(token)).toMatchObject({ sub: 'ü' });
    expect(jwtExpiry(token, now)).toBe(now + 600_000);
    expect(jwtExpiry(fakeJwt({ exp: iat + 60 }), now)).toBe(now + 60_000);
  });

  it('counts the lifetime from now when the local clock is off', () => {
    const token = fakeJwt({ iat, exp: iat + 600 });
    expect(jwtExpiry(token, now + 3_600_000)).toBe(now + 3_600_000 + 600_000); // clock ahead
    expect(jwtExpiry(token, now - 3_600_000)).toBe(now - 3_600_000 + 600_000); // clock behind
  });

  it('is undefined for opaque or malformed tokens', () => {
    expect(jwtExpiry('opaque', now)).toBeUndefined();
    expect(jwtExpiry('a.!!!.c', now)).toBeUndefined();
    expect(jwtExpiry(fakeJwt({ sub: 'x' }), now)).toBeUndefined();
  });
});
