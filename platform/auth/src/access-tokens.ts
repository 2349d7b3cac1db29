import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode, type PermissionMap, RelayBoxError, validatePermissionMap } from '@relaybox/protocol';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AUTH_KEY_ID, type AuthKeys } from './auth-keys.js';

/** The server-vouched identity an access token carries (presence shows it). */
export interface VouchedUser {
  id: string;
  name: string | null;
  avatar: string | null;
}

export interface AccessClaims {
  appId: string;
  userId: string;
  sessionId: string;
  /** The user's permissions when issued (the app's policy ∩ the user's narrowing). */
  permissions: PermissionMap;
  user: VouchedUser;
  /** ms since the epoch. */
  expiresAt: number;
}

/**
 * RelayBox tokens for signed-in users: HS256 with the app's auth signing key, header
 * `kid = <appId>.$auth`; claims `sub` = user id, `sid` = session family, `permissions`, `user`,
 * `iat`, `exp`, `jti`. The gateway's authenticator accepts them like any RelayBox token.
 */
export class AccessTokens {
  constructor(
    private readonly keys: AuthKeys,
    private readonly clockToleranceSec = 5,
  ) {}

  async issue(
    claims: Omit<AccessClaims, 'expiresAt'>,
    ttlSec: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      sid: claims.sessionId,
      permissions: claims.permissions,
      user: claims.user,
    })
      .setProtectedHeader({ alg: 'HS256', kid: `${claims.appId}.${AUTH_KEY_ID}`, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSec)
      .setJti(randomUUID())
      .sign(this.keys.signingKey(claims.appId));
    return { token, expiresAt: (now + ttlSec) * 1000 };
  }

  /** Verifies signature and expiry; every failure is a 401 `RelayBoxError`. */
  async verify(token: string, appId: string): Promise<AccessClaims> {
    let payload: Record<string, unknown>;
    try {
      const header = decodeProtectedHeader(token);
      if (header.kid !== `${appId}.${AUTH_KEY_ID}`) throw new joseErrors.JWSInvalid('kid');
      ({ payload } = await jwtVerify(token, this.keys.signingKey(appId), {
        algorithms: ['HS256'],
        clockTolerance: this.clockToleranceSec,
        requiredClaims: ['sub', 'exp', 'sid'],
      }));
    } catch (error) {
      throw mapError(error);
    }
    const { sub, sid, permissions, user, exp } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || validatePermissionMap(permissions) !== null) {
      throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, 'access token claims are invalid');
    }
    const u = (user ?? {}) as Partial<VouchedUser>;
    return {
      appId,
      userId: sub,
      sessionId: sid,
      permissions: permissions as PermissionMap,
      user: {
        id: sub,
        name: typeof u.name === 'string' ? u.name : null,
        avatar: typeof u.avatar === 'string' ? u.avatar : null,
      },
      expiresAt: (exp as number) * 1000,
    };
  }
}

function mapError(error: unknown): RelayBoxError {
  if (error instanceof RelayBoxError) return error;
  if (error instanceof joseErrors.JWTExpired)
    return new RelayBoxError(ErrorCode.TokenExpired, 'token has expired');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new RelayBoxError(ErrorCode.TokenSignatureInvalid, 'token signature does not verify');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new RelayBoxError(ErrorCode.TokenClaimsInvalid, `token claim "${error.claim}" is invalid`);
  }
  return new RelayBoxError(ErrorCode.TokenMalformed, 'token is malformed');
}

/** A refresh token: `rt1.<sessionId>.<generation>.<secret>`; only sha256(secret) is stored. */
export interface RefreshToken {
  sessionId: string;
  generation: number;
  secret: string;
}

const REFRESH = /^rt1\.([A-Za-z0-9_-]{16,64})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

export function newRefreshToken(sessionId: string, generation: number): { token: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { token: `rt1.${sessionId}.${generation}.${secret}`, hash: hashSecret(secret) };
}

export function parseRefreshToken(token: unknown): RefreshToken | undefined {
  if (typeof token !== 'string') return undefined;
  const match = REFRESH.exec(token);
  if (!match) return undefined;
  return { sessionId: match[1] as string, generation: Number(match[2]), secret: match[3] as string };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** sha256 of an email, for attempt buckets: the limiter's keys never hold the address itself. */
export function emailDigest(email: string): string {
  return createHash('sha256').update(email).digest('base64url').slice(0, 32);
}
