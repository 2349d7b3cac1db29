import { SignJWT } from 'jose';

export interface TokenSpec {
  appId: string;
  keyId: string;
  secret: string;
  clientId?: string | undefined;
  permissions?: Record<string, string[]>;
  /** Seconds from now; negative = already expired. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  kid?: string;
  alg?: string;
}

/** Mints tokens for tests, including deliberately wrong ones (any alg, kid, times). */
export async function mintToken(spec: TokenSpec): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...(spec.permissions ? { permissions: spec.permissions } : {}) })
    .setProtectedHeader({
      alg: spec.alg ?? 'HS256',
      kid: spec.kid ?? `${spec.appId}.${spec.keyId}`,
      typ: 'JWT',
    })
    .setIssuedAt(now)
    .setExpirationTime(now + (spec.expiresIn ?? 600))
    .setJti(Math.random().toString(36).slice(2));
  if (spec.clientId !== undefined) jwt.setSubject(spec.clientId);
  if (spec.notBefore !== undefined) jwt.setNotBefore(now + spec.notBefore);
  return jwt.sign(new TextEncoder().encode(spec.secret));
}

/** An unsecured token (`alg: none`), which must always be refused. */
export function unsecuredToken(kid: string, clientId: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', kid, typ: 'JWT' })}.${enc({ sub: clientId, iat: now, exp: now + 600 })}.`;
}
