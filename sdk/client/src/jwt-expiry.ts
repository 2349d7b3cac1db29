import { decodeBase64Url } from './base64-url.js';

/** The JWT's payload, decoded without verification (the server verifies), or undefined if unreadable. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(new TextDecoder().decode(decodeBase64Url(part)));
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a token just received at local time `now` expires, in local milliseconds since the epoch;
 * undefined when it has no readable `exp`. `exp` is on the issuer's clock: when the local clock
 * visibly disagrees (the token looks already expired, or valid for longer than `exp - iat`), the
 * lifetime `exp - iat` is counted from `now` instead, so a skewed clock cannot cause a refresh loop.
 */
export function jwtExpiry(token: string, now: number): number | undefined {
  const payload = decodeJwtPayload(token);
  const exp = payload?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  const expiresAt = exp * 1000;
  const iat = payload?.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat >= exp) return expiresAt;
  const lifetime = (exp - iat) * 1000;
  const remaining = expiresAt - now;
  return remaining <= 0 || remaining > lifetime ? now + lifetime : expiresAt;
}
