import { createHash, timingSafeEqual } from 'node:crypto';
import { type AppKey, type KeyStore, parseApiKey } from '@relaybox/core';
import {
  ErrorCode,
  Grants,
  type PermissionMap,
  RelayBoxError,
  validatePermissionMap,
} from '@relaybox/protocol';
import { decodeProtectedHeader, errors as joseErrors } from 'jose';
import { verifyHs256 } from './hs256.js';
import type { IdpVerifier } from './idp-verifier.js';
import type { Credentials, Principal } from './principal.js';
import { type UserTokenVerifier, verifyUserToken } from './user-token.js';

/** Keys found recently (`knows`): how long one counts, and how many are remembered. */
const KNOWN_KEY_TTL_MS = 60_000;
const MAX_KNOWN_KEYS = 10_000;

const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;
/** The `keyId` of auth-service access tokens (`@relaybox/auth` AUTH_KEY_ID): no API key has it. */
const AUTH_KEY_ID = '$auth';

export interface AuthenticatorOptions {
  /** Leeway for `exp`/`nbf`, in seconds. */
  clockToleranceSec: number;
  /** Longest accepted `exp` - now, in seconds (`token_lifetime_too_long` past it). */
  maxTokenLifetimeSec: number;
}

/**
 * Verifies tokens (HS256 JWTs signed with an API key secret, `kid = <appId>.<keyId>`) and API keys.
 * Every failure is a `RelayBoxError` with a 401/403 code: never a 500, never a secret in a message.
 */
export class Authenticator {
  /** `<appId>.<keyId>` of keys the store found recently → until when that counts (ms). */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly keys: KeyStore,
    private readonly options: AuthenticatorOptions,
    /** External identity providers (docs/identity-providers.md); none when not given. */
    private readonly idp?: IdpVerifier,
    /** The auth service's access tokens (`kid = <appId>.$auth`, docs/auth.md); refused when absent. */
    private readonly users?: UserTokenVerifier,
  ) {}

  authenticate(credentials: Credentials): Promise<Principal> {
    return credentials.kind === 'token'
      ? this.verifyToken(credentials.token)
      : this.verifyApiKey(credentials.apiKey, credentials.clientId);
  }

  /**
   * Whether the credentials name a key the store found within the last minute (whatever their
   * secret or signature): looking it up again costs the store nothing. Never throws.
   */
  knows(credentials: Credentials): boolean {
    const name = keyName(credentials);
    const until = name === undefined ? undefined : this.known.get(name);
    return until !== undefined && until > Date.now();
  }

  async verifyToken(token: string): Promise<Principal> {
    const provider = this.idp?.match(token);
    if (provider) return this.verifyIdpToken(token, provider);
    const { appId, keyId } = readHeader(token);
    if (keyId === AUTH_KEY_ID) return verifyUserToken(this.users, token, appId, this.options);
    const key = await this.findKey(appId, keyId);
    const payload = verifyHs256(token, key.secret, { clockToleranceSec: this.options.clockToleranceSec });
    const lifetimeSec = (payload.exp as number) - Date.now() / 1000;
    if (lifetimeSec > this.options.maxTokenLifetimeSec + this.options.clockToleranceSec) {
      throw new RelayBoxError(
        ErrorCode.TokenLifetimeTooLong,
        `token expires more than ${this.options.maxTokenLifetimeSec} s from now`,
      );
    }
    const clientId = payload.sub;
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
      throw new RelayBoxError(
        ErrorCode.TokenClaimsInvalid,
        '"sub" must be a clientId of 1-200 printable characters',
      );
    }
    const layers: PermissionMap[] = [key.permissions];
    if (payload.permissions !== undefined) {
      const problem = validatePermissionMap(payload.permissions);
      if (problem) throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, `token permissions: ${problem}`);
      layers.push(payload.permissions as PermissionMap);
    }
    return {
      appId,
      keyId,
      clientId,
      grants: new Grants(...layers),
      via: 'token',
      expiresAt: (payload.exp as number) * 1000,
    };
  }

  private async verifyIdpToken(
    token: string,
    provider: NonNullable<ReturnType<IdpVerifier['match']>>,
  ): Promise<Principal> {
    try {
      return await (this.idp as IdpVerifier).verify(token, provider);
    } catch (error) {
      throw error instanceof RelayBoxError ? error : mapJoseError(error);
    }
  }

  async verifyApiKey(apiKey: string, clientId?: string): Promise<Principal> {
    const parsed = parseApiKey(apiKey);
    if (!parsed)
      throw new RelayBoxError(ErrorCode.ApiKeyInvalid, 'API key must look like <appId>.<keyId>:<secret>');
    const key = await this.findKey(parsed.appId, parsed.keyId);
    if (!secretsEqual(parsed.secret, key.secret)) {
      throw new RelayBoxError(
        ErrorCode.ApiKeyInvalid,
        `wrong secret for key ${parsed.appId}.${parsed.keyId}`,
      );
    }
    if (clientId !== undefined && !CLIENT_ID.test(clientId)) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, 'clientId must be 1-200 printable characters');
    }
    return {
      appId: key.appId,
      keyId: key.keyId,
      clientId: clientId ?? `server:${key.keyId}`,
      grants: new Grants(key.permissions),
      via: 'apiKey',
      expiresAt: undefined,
    };
  }

  private async findKey(appId: string, keyId: string): Promise<AppKey> {
    let key: AppKey | undefined;
    try {
      key = await this.keys.getKey(appId, keyId);
    } catch (error) {
      throw new RelayBoxError(ErrorCode.StoreUnavailable, 'key store unavailable', { cause: error });
    }
    // The store answers by (appId, keyId); checking again keeps a faulty store from crossing apps.
    if (!key || key.appId !== appId || key.keyId !== keyId) {
      throw new RelayBoxError(ErrorCode.KeyUnknown, `no key "${keyId}" in app "${appId}"`);
    }
    this.remember(`${appId}.${keyId}`);
    return key;
  }

  private remember(name: string): void {
    this.known.delete(name);
    this.known.set(name, Date.now() + KNOWN_KEY_TTL_MS);
    // Oldest first (insertion order): bounded memory whatever the number of keys seen.
    if (this.known.size > MAX_KNOWN_KEYS) this.known.delete(this.known.keys().next().value as string);
  }
}

/** `<appId>.<keyId>` named by unverified credentials; undefined when they name none. */
export function keyName(credentials: Credentials): string | undefined {
  try {
    if (credentials.kind === 'token') {
      const { appId, keyId } = readHeader(credentials.token);
      return `${appId}.${keyId}`;
    }
    const parsed = parseApiKey(credentials.apiKey);
    return parsed ? `${parsed.appId}.${parsed.keyId}` : undefined;
  } catch {
    return undefined;
  }
}

function readHeader(token: string): { appId: string; keyId: string } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new RelayBoxError(ErrorCode.TokenMalformed, 'token is not a compact JWS');
  }
  if (token.split('.').length !== 3)
    throw new RelayBoxError(ErrorCode.TokenMalformed, 'token is not a compact JWS');
  if (header.alg !== 'HS256') {
    throw new RelayBoxError(
      ErrorCode.TokenAlgorithmUnsupported,
      `token alg must be HS256, got ${String(header.alg)}`,
    );
  }
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const dot = kid.indexOf('.');
  if (dot <= 0 || dot === kid.length - 1) {
    throw new RelayBoxError(ErrorCode.TokenMalformed, 'token header "kid" must be <appId>.<keyId>');
  }
  return { appId: kid.slice(0, dot), keyId: kid.slice(dot + 1) };
}

function mapJoseError(error: unknown): RelayBoxError {
  if (error instanceof joseErrors.JWTExpired) {
    return new RelayBoxError(ErrorCode.TokenExpired, 'token has expired', { cause: error });
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'nbf'
      ? new RelayBoxError(ErrorCode.TokenNotYetValid, 'token is not valid yet (nbf)', { cause: error })
      : new RelayBoxError(ErrorCode.TokenClaimsInvalid, `token claim "${error.claim}" is invalid`, {
          cause: error,
        });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new RelayBoxError(ErrorCode.TokenSignatureInvalid, 'token signature does not verify', {
      cause: error,
    });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new RelayBoxError(ErrorCode.TokenAlgorithmUnsupported, 'token alg must be HS256', {
      cause: error,
    });
  }
  return new RelayBoxError(ErrorCode.TokenMalformed, 'token is malformed', { cause: error });
}

/** Constant-time comparison that does not leak the length either. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
