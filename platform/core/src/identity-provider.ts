import type { PermissionMap } from '@relaybox/protocol';

/** Signature algorithms an external IdP may use. HS256 and `none` are never accepted from an IdP. */
export const IDP_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdpAlgorithm = (typeof IDP_ALGORITHMS)[number];

/**
 * An external identity provider an app trusts (docs/identity-providers.md): its tokens open
 * connections of `appId` without a RelayBox key secret.
 */
export interface IdentityProviderConfig {
  appId: string;
  /** Unique within the app; connections from its tokens carry `keyId = idp.<id>`. */
  id: string;
  /** Exact `iss` of its tokens. */
  issuer: string;
  /** `aud` its tokens must name. */
  audience: string;
  /** JWKS location; when absent, `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUri: string | undefined;
  algorithms: IdpAlgorithm[];
  /** Upper bound of what its users may do (the app's policy for IdP users). */
  permissions: PermissionMap;
  /** Claim holding a RelayBox permission map, narrowed by `permissions`; absent: `permissions` as is. */
  permissionsClaim: string | undefined;
  /** Claim that becomes the clientId (default `sub`). */
  clientIdClaim: string;
  /** Claims of the user's display name and avatar URL, if any. */
  userClaims: { name: string | undefined; avatar: string | undefined };
  /** Least time between two JWKS fetches caused by unknown `kid`s, in seconds. */
  jwksRefreshCooldownSec: number;
}
