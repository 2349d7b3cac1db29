import {
  DEFAULT_LIMITS,
  ErrorCode,
  type PermissionMap,
  RelayBoxError,
  validatePermissionMap,
} from '@relaybox/protocol';
import { SignJWT } from 'jose';
import type { ApiKey } from './api-key.js';

export interface CreateTokenParams {
  /** Becomes the token's `sub`: the clientId of connections using it (1-200 printable ASCII characters). */
  clientId: string;
  /** Narrows the key's permissions (a token never grants more than its key). Omitted: the key's permissions. */
  permissions?: PermissionMap;
  /** Lifetime in seconds: a whole number from 1 to 86400. Default 3600. */
  expiresIn?: number;
}

export interface TokenDetails {
  token: string;
  /** Expiry in milliseconds since the epoch. */
  expiresAt: number;
}

export const DEFAULT_TOKEN_TTL_SEC = 3_600;
export const MAX_TOKEN_TTL_SEC = 24 * 3_600;

/** The gateway's clientId rule. */
const CLIENT_ID = new RegExp(`^[\\x21-\\x7e]{1,${DEFAULT_LIMITS.maxClientIdLength}}$`);

const invalid = (message: string) => new RelayBoxError(ErrorCode.InvalidOptions, message);

/**
 * Signs a client token locally (no request to RelayBox): HS256 with the key's secret, header
 * `{alg: 'HS256', kid: '<appId>.<keyId>', typ: 'JWT'}`, claims `sub`, `permissions` (when given),
 * `iat`, `exp` and a random `jti`. Throws RelayBoxError 'invalid_options' for bad params.
 */
export async function createToken(key: ApiKey, params: CreateTokenParams): Promise<TokenDetails> {
  if (typeof params !== 'object' || params === null) throw invalid('createToken needs { clientId }');
  const { clientId, permissions, expiresIn = DEFAULT_TOKEN_TTL_SEC } = params;
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    throw invalid(
      `clientId must be 1-${DEFAULT_LIMITS.maxClientIdLength} printable ASCII characters without spaces`,
    );
  }
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_TOKEN_TTL_SEC) {
    throw invalid(`expiresIn must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_SEC}`);
  }
  const claims: Record<string, unknown> = {};
  if (permissions !== undefined) {
    const problem = validatePermissionMap(permissions);
    if (problem) throw invalid(problem);
    claims.permissions = permissions;
  }
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + expiresIn;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
    .setSubject(clientId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(globalThis.crypto.randomUUID())
    .sign(new TextEncoder().encode(key.secret));
  return { token, expiresAt: exp * 1000 };
}
