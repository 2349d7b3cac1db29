import { type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { unavailable } from './bounded-fetch.js';

/** Asymmetric algorithms only: an HS256 id_token would be checked with the client secret as the key. */
export const ID_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  nonce: string;
  /** The provider's advertised algorithms; intersected with `ID_TOKEN_ALGORITHMS`. */
  algorithms?: string[];
  clockToleranceSec: number;
}

/**
 * Verifies an id_token as OpenID Connect Core §3.1.3.7 asks: signature through the provider's keys,
 * `iss`, `aud` containing the client id (and `azp` = client id when there are several audiences),
 * `exp`/`iat`, and the `nonce` this sign-in started with. Any failure is `oauth_id_token_invalid`,
 * except keys that cannot be fetched (`oauth_provider_unavailable`).
 */
export async function verifyIdToken(
  idToken: string,
  keys: JWTVerifyGetKey,
  expected: IdTokenExpectations,
): Promise<JWTPayload & { sub: string }> {
  const algorithms = (expected.algorithms ?? ID_TOKEN_ALGORITHMS).filter((a) =>
    ID_TOKEN_ALGORITHMS.includes(a),
  );
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: algorithms.length > 0 ? algorithms : ['RS256'],
      clockTolerance: expected.clockToleranceSec,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
      throw unavailable(`the keys of ${expected.issuer} cannot be fetched`, error);
    }
    if (error instanceof TypeError || (error as { name?: string })?.name === 'TimeoutError') {
      throw unavailable(`the keys of ${expected.issuer} cannot be fetched`, error);
    }
    const reason = error instanceof joseErrors.JOSEError ? `${error.code}: ${error.message}` : String(error);
    throw invalid(reason, error);
  }
  if (typeof payload.nonce !== 'string' || payload.nonce !== expected.nonce) {
    throw invalid('nonce is not the one this sign-in started with');
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expected.clientId) {
    throw invalid('azp is not this client');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
    throw invalid('sub must be 1-255 characters');
  }
  return payload as JWTPayload & { sub: string };
}

function invalid(reason: string, cause?: unknown): AuthProviderError {
  return new AuthProviderError(
    AuthProviderErrorCode.IdTokenInvalid,
    `id_token refused (${reason})`,
    cause === undefined ? undefined : { cause },
  );
}
