import type { IdentityProviderConfig } from '@relaybox/core';
import {
  ErrorCode,
  Grants,
  type PermissionMap,
  RelayBoxError,
  validatePermissionMap,
} from '@relaybox/protocol';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { DEFAULT_JWKS_LIMITS, type JwksLimits, JwksSource } from './jwks-source.js';
import type { Principal, PrincipalUser } from './principal.js';

const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;
const MAX_USER_FIELD = 500;

export interface IdpVerifierOptions {
  clockToleranceSec: number;
  /** The gateway's maximum token lifetime, shared with RelayBox tokens. */
  maxTokenLifetimeSec: number;
  jwksLimits?: JwksLimits;
}

interface Provider {
  config: IdentityProviderConfig;
  jwks: JwksSource;
}

/**
 * Verifies tokens issued by the external identity providers apps trust (docs/identity-providers.md).
 * A token belongs to this path when its (unverified) `iss` is a configured issuer; it is then
 * verified only against that provider's JWKS and algorithms, so an HS256 token can never be
 * checked with a public key as an HMAC secret.
 */
export class IdpVerifier {
  private readonly byIssuer = new Map<string, Provider[]>();

  constructor(
    providers: readonly IdentityProviderConfig[],
    private readonly options: IdpVerifierOptions,
  ) {
    for (const config of providers) {
      const jwks = new JwksSource(
        config.issuer,
        config.jwksUri,
        config.jwksRefreshCooldownSec * 1000,
        options.jwksLimits ?? DEFAULT_JWKS_LIMITS,
      );
      const list = this.byIssuer.get(config.issuer) ?? [];
      list.push({ config, jwks });
      this.byIssuer.set(config.issuer, list);
    }
  }

  /**
   * The provider a token claims to come from (by `iss`, then `aud`); undefined: a RelayBox token.
   * A token that is not HS256 and names an untrusted `iss` is refused (`token_claims_invalid`).
   */
  match(token: string): Provider | undefined {
    if (this.byIssuer.size === 0) return undefined;
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      return undefined;
    }
    const candidates = typeof claims.iss === 'string' ? this.byIssuer.get(claims.iss) : undefined;
    if (!candidates) {
      // Not HS256 and no trusted issuer: say so rather than "alg must be HS256".
      if (headerAlg(token) !== 'HS256' && claims.iss !== undefined) {
        throw new RelayBoxError(
          ErrorCode.TokenClaimsInvalid,
          'token "iss" is not an identity provider this gateway trusts',
        );
      }
      return undefined;
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return candidates.find((p) => audiences.includes(p.config.audience)) ?? candidates[0];
  }

  async verify(token: string, provider: Provider): Promise<Principal> {
    const { config, jwks } = provider;
    const alg = decodeProtectedHeader(token).alg;
    if (!(config.algorithms as string[]).includes(String(alg))) {
      throw new RelayBoxError(
        ErrorCode.TokenAlgorithmUnsupported,
        `tokens of this identity provider must use ${config.algorithms.join(', ')}, got ${String(alg)}`,
      );
    }
    const { payload } = await jwtVerify(token, (header, input) => jwks.getKey(header, input), {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: this.options.clockToleranceSec,
      requiredClaims: ['exp', config.clientIdClaim],
    });
    const exp = payload.exp as number;
    if (exp - Date.now() / 1000 > this.options.maxTokenLifetimeSec + this.options.clockToleranceSec) {
      throw new RelayBoxError(
        ErrorCode.TokenLifetimeTooLong,
        `token expires more than ${this.options.maxTokenLifetimeSec} s from now`,
      );
    }
    const clientId = payload[config.clientIdClaim];
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
      throw new RelayBoxError(
        ErrorCode.TokenClaimsInvalid,
        `"${config.clientIdClaim}" must be a clientId of 1-200 printable characters`,
      );
    }
    return {
      appId: config.appId,
      keyId: `idp.${config.id}`,
      clientId,
      grants: new Grants(...permissionLayers(config, payload)),
      via: 'token',
      expiresAt: exp * 1000,
      user: userOf(config, payload, clientId),
    };
  }
}

function headerAlg(token: string): unknown {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

/** The app's policy for IdP users, narrowed by the permissions claim when one is configured. */
function permissionLayers(config: IdentityProviderConfig, payload: JWTPayload): PermissionMap[] {
  const layers = [config.permissions];
  if (config.permissionsClaim === undefined) return layers;
  const claimed = payload[config.permissionsClaim];
  if (claimed === undefined) {
    throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, `token has no "${config.permissionsClaim}" claim`);
  }
  const problem = validatePermissionMap(claimed);
  if (problem) throw new RelayBoxError(ErrorCode.TokenClaimsInvalid, `token permissions: ${problem}`);
  layers.push(claimed as PermissionMap);
  return layers;
}

function userOf(config: IdentityProviderConfig, payload: JWTPayload, id: string): PrincipalUser {
  const pick = (claim: string | undefined) => {
    const value = claim === undefined ? undefined : payload[claim];
    return typeof value === 'string' && value.length <= MAX_USER_FIELD ? value : undefined;
  };
  return { id, name: pick(config.userClaims.name), avatar: pick(config.userClaims.avatar) };
}
