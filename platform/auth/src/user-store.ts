import type { PermissionMap } from '@relaybox/protocol';

/** One end user of an app's user pool. Ids are unique per app; emails are stored normalized. */
export interface AuthUser {
  id: string;
  appId: string;
  /** Normalized (`normalizeEmail`): unique per app. */
  email: string;
  emailVerified: boolean;
  /** argon2id PHC string; null for users that only sign in through an external provider. */
  passwordHash: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  /** A disabled user cannot sign in or refresh; its open connections were closed when it was disabled. */
  disabled: boolean;
  /** Narrows the app's per-user policy for this user (intersection); null: the policy as is. */
  permissions: PermissionMap | null;
  mfa: UserMfa;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** Multi-factor settings. The TOTP seed is kept encrypted (`SecretBox`), never in plaintext. */
export interface UserMfa {
  /** TOTP seed sealed by the deployment's `SecretBox`; null when no authenticator is enrolled. */
  totpSecretSealed: string | null;
  /** Whether enrolment was confirmed with a valid code (sign-in then asks for one). */
  totpEnabled: boolean;
  /** Hashes of the unused recovery codes (each works once). */
  recoveryCodeHashes: string[];
  /** The TOTP step of the last accepted code: a code of this step or earlier is refused (no replay). */
  totpLastStep?: number;
}

/** What `updateUser` may change. `email` changes are not supported (the email index is immutable). */
export type UserPatch = Partial<
  Pick<
    AuthUser,
    'emailVerified' | 'passwordHash' | 'displayName' | 'avatarUrl' | 'disabled' | 'permissions' | 'mfa'
  >
>;

/**
 * One sign-in: a family of refresh tokens. Each refresh rotates the token (generation + 1); the
 * hashes of earlier generations are remembered so a replayed one is recognised as reuse.
 */
export interface AuthSession {
  /** The family id (`sid` of the access tokens issued for it). */
  id: string;
  appId: string;
  userId: string;
  /** sha256 (hex) of the current refresh token's secret. */
  refreshHash: string;
  generation: number;
  revoked: boolean;
  createdAt: number;
  /** The family ends at this time (ms) unless refreshed: every rotation moves it forward. */
  expiresAt: number;
}

export type RotateResult =
  | { status: 'rotated'; session: AuthSession }
  /** The presented token was an earlier generation: the whole family is now revoked. */
  | { status: 'reused'; session: AuthSession }
  /** Revoked before (sign out, reuse, admin), expired, or unknown. */
  | { status: 'revoked' | 'expired' | 'unknown' };

export interface UserPage {
  items: AuthUser[];
  /** Pass as `cursor` for the next page; undefined on the last one. */
  next: string | undefined;
}

/** Earlier refresh generations remembered per session for reuse detection; older ones are `unknown`. */
export const REMEMBERED_GENERATIONS = 32;

/**
 * Where an app's end users and their sessions live: ONE store per deployment (docs/auth.md), shared
 * by every gateway of it.
 *
 * Guarantees:
 * - Everything is scoped to an app: no call of one app sees or changes another app's users.
 * - `createUser` is atomic on (appId, email): of concurrent sign-ups with one email exactly one wins.
 * - `rotateSession` is atomic: of concurrent refreshes with one token exactly one rotates; the others
 *   see an earlier generation and revoke the family (`reused`), as a replay would.
 * - A revoked session stays revoked; `revokeUserSessions` revokes every session of the user that
 *   exists when it runs.
 * - A session is forgotten some time after `expiresAt` (its storage expires).
 * - `updateUser` replaces the changed fields; concurrent updates of one user are last-writer-wins.
 * - `consumeRecoveryCode` and `acceptTotpStep` are atomic check-and-set operations on one user: of
 *   concurrent calls with one recovery code (or one TOTP step) exactly one returns true, whatever the
 *   number of gateways. They keep a second factor single-use.
 * - Failures of the backing service reject with a retryable `RelayBoxError(store_unavailable)`.
 */
export interface UserStore {
  /** `false` when the app already has a user with this email. */
  createUser(user: AuthUser): Promise<boolean>;
  getUser(appId: string, userId: string): Promise<AuthUser | undefined>;
  findUserByEmail(appId: string, email: string): Promise<AuthUser | undefined>;
  /** The user after the change; undefined when there is no such user. */
  updateUser(appId: string, userId: string, patch: UserPatch, now: number): Promise<AuthUser | undefined>;
  /**
   * Removes `codeHash` (`hashRecoveryCode`) from the user's unused recovery codes: true when this
   * call removed it, false when the user has no such unused code (or no such user).
   */
  consumeRecoveryCode(appId: string, userId: string, codeHash: string, now: number): Promise<boolean>;
  /**
   * Records `step` as the user's last accepted TOTP step if it is newer than the recorded one (the
   * replay guard): true when it was, false when a code of this step or a later one was accepted before.
   */
  acceptTotpStep(appId: string, userId: string, step: number, now: number): Promise<boolean>;
  /** Users in creation order, `limit` (1..100) a page. */
  listUsers(appId: string, options: { limit: number; cursor?: string | undefined }): Promise<UserPage>;
  createSession(session: AuthSession): Promise<void>;
  getSession(appId: string, sessionId: string): Promise<AuthSession | undefined>;
  /** The user's sessions that have not expired (revoked ones included), oldest first. */
  listSessions(appId: string, userId: string, now: number): Promise<AuthSession[]>;
  /**
   * Exchanges the refresh token of generation `generation` whose secret hashes to `presentedHash` for
   * `nextHash`, extending the session to `nextExpiresAt`.
   */
  rotateSession(input: {
    appId: string;
    sessionId: string;
    generation: number;
    presentedHash: string;
    nextHash: string;
    now: number;
    nextExpiresAt: number;
  }): Promise<RotateResult>;
  /** true when it was live before. */
  revokeSession(appId: string, sessionId: string): Promise<boolean>;
  /** Revokes every session of the user; returns their ids (revoked before or not). */
  revokeUserSessions(appId: string, userId: string): Promise<string[]>;
  /**
   * Deletes at most `limit` sessions whose storage ended (`expiresAt + SESSION_KEEP_MS <= now`: a
   * refresh would answer `unknown` anyway) with their index entries; returns how many. Run
   * periodically in bounded batches (`startSessionPurge`).
   */
  purgeExpiredSessions(now: number, limit: number): Promise<number>;
  close(): Promise<void>;
}

/** Lowercased and trimmed: `Alice@Example.com ` and `alice@example.com` are one account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
