import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/**
 * Verifies an HS256 compact JWS with node:crypto, synchronously, and checks its time claims.
 * jose's `jwtVerify` goes through WebCrypto (an async job on the thread pool per token): in the
 * connection-storm bench it was 60% of the gateway's CPU per upgrade (docs/benchmarks.md); this
 * is one HMAC. The caller has already read the header (alg HS256, kid) with `readHeader`.
 */
export function verifyHs256(
  token: string,
  secret: string,
  options: { clockToleranceSec: number; nowSec?: number },
): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new RelayBoxError(ErrorCode.TokenMalformed, 'token is not a compact JWS');
  const [header, body, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RelayBoxError(ErrorCode.TokenSignatureInvalid, 'token signature does not verify');
  }
  const protectedHeader = parseJson(header);
  if (protectedHeader.crit !== undefined) {
    throw new RelayBoxError(ErrorCode.TokenMalformed, 'token header "crit" is not supported');
  }
  const payload = parseJson(body);
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  const tolerance = options.clockToleranceSec;
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, `token claim "${claim}" is invalid`);
    }
  }
  if (payload.sub === undefined) {
    throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, 'token claim "sub" is invalid');
  }
  if (payload.exp === undefined) {
    throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, 'token claim "exp" is invalid');
  }
  if ((payload.exp as number) <= now - tolerance) {
    throw new RelayBoxError(ErrorCode.TokenExpired, 'token has expired');
  }
  if (payload.nbf !== undefined && (payload.nbf as number) > now + tolerance) {
    throw new RelayBoxError(ErrorCode.TokenNotYetValid, 'token is not valid yet (nbf)');
  }
  return payload;
}

function parseJson(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.TokenMalformed, 'token is malformed');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RelayBoxError(ErrorCode.TokenMalformed, 'token is malformed');
  }
  return value as Record<string, unknown>;
}
