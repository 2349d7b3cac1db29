import type { Grants } from '@relaybox/protocol';

/** Who is on the other end of a connection or REST request, and what they may do. */
export interface Principal {
  readonly appId: string;
  readonly keyId: string;
  readonly clientId: string;
  /** Effective permissions: token ∩ key. */
  readonly grants: Grants;
  readonly via: 'token' | 'apiKey';
  /** Token expiry in ms since epoch; undefined for API-key credentials, which do not expire. */
  readonly expiresAt: number | undefined;
  /** Who the user is, as vouched for by the auth service or an external identity provider. */
  readonly user?: PrincipalUser;
  /** The auth-service session (family) of a signed-in user's access token (`keyId` = `$auth`). */
  readonly authSessionId?: string;
}

export interface PrincipalUser {
  id: string;
  name: string | undefined;
  avatar: string | undefined;
}

/** Credentials as they arrived, before verification. */
export type Credentials =
  | { kind: 'token'; token: string }
  | { kind: 'apiKey'; apiKey: string; clientId?: string };
