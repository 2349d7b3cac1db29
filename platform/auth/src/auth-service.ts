import { randomBytes } from 'node:crypto';
import type { AppAuthConfig } from '@relaybox/core';
import { ErrorCode, type PermissionMap, RelayBoxError } from '@relaybox/protocol';
import {
  type AccessTokens,
  emailDigest,
  hashSecret,
  newRefreshToken,
  parseRefreshToken,
} from './access-tokens.js';
import type { ActionTokens } from './action-tokens.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { AuthHooks } from './auth-events.js';
import { validateCredentials, validateProfile } from './input.js';
import type { PasswordHasher } from './passwords.js';
import type { AuthSession, AuthUser, UserStore } from './user-store.js';
import { type PublicUser, publicUser } from './user-view.js';

export interface AuthServiceDeps {
  store: UserStore;
  limiter: AttemptLimiter;
  passwords: PasswordHasher;
  tokens: AccessTokens;
  /** Email links and the MFA sign-in step. */
  actions: ActionTokens;
  /** The app's user pool; undefined: the app has none (`auth_not_enabled`). */
  appConfig(appId: string): Promise<AppAuthConfig | undefined>;
  hooks: AuthHooks;
  /** Mails a new user its verification link in the background (`requireEmailVerification`). */
  sendVerification?: (user: AuthUser) => void;
  now?: () => number;
}

/** What sign-up answers when the app requires a verified email: the same whether or not the email was free. */
export interface VerificationRequired {
  verificationRequired: true;
}

/** A signed-in session as the client gets it. */
export interface SessionTokens {
  accessToken: string;
  /** ms since the epoch. */
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  sessionId: string;
}

export interface AuthResult {
  user: PublicUser;
  session: SessionTokens;
}

/** How long the sign-in's second step may take. */
export const MFA_CHALLENGE_TTL_SEC = 300;

/** What sign-in answers (200) instead of a session when the user has an authenticator. */
export interface MfaChallenge {
  mfaRequired: true;
  /** Pass to `POST /signin/mfa` with a code, within `MFA_CHALLENGE_TTL_SEC`. */
  mfaToken: string;
}

/**
 * What sign-up and sign-in answer (200/201) instead of a session when the app requires MFA
 * (`auth.mfa.required`) and the user has no authenticator yet: the token only enrols and activates
 * one (`POST /signin/mfa-enroll`, `POST /signin/mfa-activate`), which then starts the session.
 */
export interface MfaEnrollmentRequired {
  mfaEnrollmentRequired: true;
  /** Valid for `MFA_CHALLENGE_TTL_SEC`; good for nothing but enrolment. */
  enrollToken: string;
}

/**
 * The auth service of an app's end users (docs/auth.md): sign-up, sign-in, rotating refresh tokens
 * with reuse detection, sign-out. Stateless itself: users and sessions are in the `UserStore`, so any
 * gateway of the deployment answers any call.
 */
export class AuthService {
  private readonly now: () => number;

  constructor(private readonly deps: AuthServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async config(appId: string): Promise<AppAuthConfig> {
    const config = await this.deps.appConfig(appId);
    if (!config) throw new RelayBoxError(ErrorCode.AuthNotEnabled, `app "${appId}" has no user sign-in`);
    return config;
  }

  async signUp(
    appId: string,
    body: Record<string, unknown>,
    ip: string,
  ): Promise<AuthResult | VerificationRequired | MfaEnrollmentRequired> {
    const config = await this.config(appId);
    const { email, password } = validateCredentials(body, config.minPasswordLength);
    const profile = validateProfile(body);
    const reserved = await this.deps.limiter.reserve(
      appId,
      [{ key: `signup:${ip}`, limit: config.signInLimits.perAddress }],
      config.signInLimits.windowSec * 1000,
    );
    if (!reserved.ok) throw limited(reserved.retryAfterMs);
    const now = this.now();
    const user: AuthUser = {
      id: `usr_${randomBytes(12).toString('base64url')}`,
      appId,
      email,
      emailVerified: false,
      passwordHash: await this.deps.passwords.hash(password),
      displayName: profile.displayName ?? null,
      avatarUrl: profile.avatarUrl ?? null,
      disabled: false,
      permissions: null,
      mfa: { totpSecretSealed: null, totpEnabled: false, recoveryCodeHashes: [] },
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.deps.store.createUser(user);
    if (config.requireEmailVerification) {
      // Same answer, same work (the hash above) whether or not the email was taken.
      if (created) {
        this.deps.hooks.event({ type: 'auth.signup', appId, userId: user.id });
        this.deps.sendVerification?.(user);
      }
      return { verificationRequired: true };
    }
    if (!created) throw new RelayBoxError(ErrorCode.SignupFailed, 'cannot sign up with this email');
    this.deps.hooks.event({ type: 'auth.signup', appId, userId: user.id });
    if (config.mfaRequired) return this.enrollmentRequired(user);
    return { user: publicUser(user), session: await this.startSession(user) };
  }

  /**
   * Email + password. One attempt is reserved in the account's and the address's buckets BEFORE the
   * password is checked (atomically), and given back on success. An unknown email does the same work
   * (a dummy hash is verified) and gets the same answer as a wrong password.
   */
  async signIn(
    appId: string,
    body: Record<string, unknown>,
    ip: string,
  ): Promise<AuthResult | MfaChallenge | MfaEnrollmentRequired> {
    const config = await this.config(appId);
    const { email, password } = validateCredentials(body, 1);
    const { perAccount, perAddress, windowSec } = config.signInLimits;
    const account = `account:${emailDigest(email)}`;
    const address = `address:${ip}`;
    const reserved = await this.deps.limiter.reserve(
      appId,
      [
        { key: account, limit: perAccount },
        { key: address, limit: perAddress },
      ],
      windowSec * 1000,
    );
    if (!reserved.ok) {
      this.deps.hooks.event({ type: 'auth.signin.failed', appId, detail: { reason: 'rate_limited' } });
      throw limited(reserved.retryAfterMs);
    }
    const user = await this.deps.store.findUserByEmail(appId, email);
    const ok = user?.passwordHash
      ? await this.deps.passwords.verify(user.passwordHash, password)
      : await this.deps.passwords.verifyUnknown(password);
    if (!user || !ok) {
      this.deps.hooks.event({
        type: 'auth.signin.failed',
        appId,
        ...(user ? { userId: user.id } : {}),
        detail: { reason: 'invalid_credentials' },
      });
      throw new RelayBoxError(ErrorCode.InvalidCredentials, 'wrong email or password');
    }
    await Promise.all([
      this.deps.limiter.reset(appId, [account]),
      this.deps.limiter.release(appId, [address]),
    ]);
    return this.finishSignIn(user, 'password');
  }

  /**
   * A user proved the first factor (password, or an OAuth provider): refused when disabled, an MFA
   * challenge when it has an authenticator, else a new session.
   */
  async finishSignIn(
    user: AuthUser,
    method: string,
  ): Promise<AuthResult | MfaChallenge | MfaEnrollmentRequired> {
    const { appId } = user;
    if (user.disabled) throw new RelayBoxError(ErrorCode.UserDisabled, 'this user is disabled');
    const config = await this.config(appId);
    if (!user.emailVerified && config.requireEmailVerification) {
      throw new RelayBoxError(
        ErrorCode.EmailNotVerified,
        'confirm your email address first (see the mailed link)',
      );
    }
    if (user.mfa.totpEnabled) {
      const b = randomBytes(8).toString('base64url');
      return {
        mfaRequired: true,
        mfaToken: this.deps.actions.issue(appId, 'mfa-signin', { s: user.id, b }, MFA_CHALLENGE_TTL_SEC),
      };
    }
    if (config.mfaRequired) return this.enrollmentRequired(user);
    this.deps.hooks.event({ type: 'auth.signin', appId, userId: user.id, detail: { method } });
    return { user: publicUser(user), session: await this.startSession(user) };
  }

  /** Rotates the refresh token; presenting an earlier one revokes the whole session family. */
  async refresh(appId: string, body: Record<string, unknown>): Promise<AuthResult> {
    const config = await this.config(appId);
    const presented = parseRefreshToken(body.refreshToken);
    if (!presented)
      throw new RelayBoxError(ErrorCode.RefreshTokenInvalid, '"refreshToken" is not a refresh token');
    const next = newRefreshToken(presented.sessionId, presented.generation + 1);
    const result = await this.deps.store.rotateSession({
      appId,
      sessionId: presented.sessionId,
      generation: presented.generation,
      presentedHash: hashSecret(presented.secret),
      nextHash: next.hash,
      now: this.now(),
      nextExpiresAt: this.now() + config.refreshTokenTtlSec * 1000,
    });
    if (result.status === 'reused') {
      const { userId, id } = result.session;
      this.deps.hooks.event({ type: 'auth.refresh.reused', appId, userId, detail: { sessionId: id } });
      await this.deps.hooks.revoked(appId, userId, [id]);
      throw new RelayBoxError(
        ErrorCode.RefreshTokenReused,
        'this refresh token was used before: the session is revoked; sign in again',
      );
    }
    if (result.status === 'revoked')
      throw new RelayBoxError(ErrorCode.SessionRevoked, 'the session was revoked');
    if (result.status !== 'rotated') {
      throw new RelayBoxError(
        ErrorCode.RefreshTokenInvalid,
        `refresh token is ${result.status}; sign in again`,
      );
    }
    const user = await this.deps.store.getUser(appId, result.session.userId);
    if (!user || user.disabled) {
      await this.deps.store.revokeSession(appId, result.session.id);
      throw new RelayBoxError(ErrorCode.SessionRevoked, 'the user is disabled or gone');
    }
    const access = await this.issueAccess(config, user, result.session);
    return {
      user: publicUser(user),
      session: {
        ...access,
        refreshToken: next.token,
        refreshTokenExpiresAt: result.session.expiresAt,
        sessionId: result.session.id,
      },
    };
  }

  /**
   * Verifies an access token for the gateway and the session routes: signature, expiry, and that its
   * session is not revoked and its user not disabled (one read of each).
   */
  async verifyAccess(token: string, appId: string): Promise<VerifiedAccess> {
    const claims = await this.deps.tokens.verify(token, appId);
    const [session, user] = await Promise.all([
      this.deps.store.getSession(appId, claims.sessionId),
      this.deps.store.getUser(appId, claims.userId),
    ]);
    if (!session || session.revoked || session.userId !== claims.userId || !user || user.disabled) {
      throw new RelayBoxError(ErrorCode.SessionRevoked, 'the session of this token was revoked');
    }
    const config = await this.deps.appConfig(appId);
    if (!config) throw new RelayBoxError(ErrorCode.AuthNotEnabled, `app "${appId}" has no user sign-in`);
    return { ...claims, policy: config.userPermissions, user: { ...claims.user }, record: user };
  }

  async signOut(appId: string, token: string): Promise<void> {
    const { userId, sessionId } = await this.verifyAccess(token, appId);
    await this.deps.store.revokeSession(appId, sessionId);
    this.deps.hooks.event({ type: 'auth.signout', appId, userId, detail: { sessionId } });
    await this.deps.hooks.revoked(appId, userId, [sessionId]);
  }

  async signOutEverywhere(appId: string, token: string): Promise<void> {
    const { userId } = await this.verifyAccess(token, appId);
    await this.revokeUser(appId, userId, 'signout-everywhere');
  }

  async getUser(appId: string, token: string): Promise<PublicUser> {
    return publicUser((await this.verifyAccess(token, appId)).record);
  }

  /** `{ displayName?, avatarUrl? }` of the signed-in user; shown in presence from the next access token. */
  async updateProfile(appId: string, token: string, body: Record<string, unknown>): Promise<PublicUser> {
    const { userId } = await this.verifyAccess(token, appId);
    const { displayName, avatarUrl, ...rest } = body;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined)
      throw new RelayBoxError(ErrorCode.InvalidRequest, `unknown field "${unknown}"`);
    const user = await this.deps.store.updateUser(
      appId,
      userId,
      validateProfile({ displayName, avatarUrl }),
      this.now(),
    );
    if (!user) throw new RelayBoxError(ErrorCode.SessionRevoked, 'the user is gone');
    return publicUser(user);
  }

  /** Revokes every session of the user and closes its connections on every gateway. */
  async revokeUser(appId: string, userId: string, reason: string): Promise<number> {
    const sessions = await this.deps.store.revokeUserSessions(appId, userId);
    this.deps.hooks.event({
      type: 'auth.revoked',
      appId,
      userId,
      detail: { reason, sessions: sessions.length },
    });
    await this.deps.hooks.revoked(appId, userId, 'all');
    return sessions.length;
  }

  private enrollmentRequired(user: AuthUser): MfaEnrollmentRequired {
    const b = randomBytes(8).toString('base64url');
    return {
      mfaEnrollmentRequired: true,
      enrollToken: this.deps.actions.issue(
        user.appId,
        'mfa-enroll',
        { s: user.id, b },
        MFA_CHALLENGE_TTL_SEC,
      ),
    };
  }

  /** A new session (refresh-token family) for a user who proved who they are. */
  async startSession(user: AuthUser): Promise<SessionTokens> {
    const config = await this.config(user.appId);
    const sessionId = randomBytes(18).toString('base64url');
    const refresh = newRefreshToken(sessionId, 0);
    const now = this.now();
    const session: AuthSession = {
      id: sessionId,
      appId: user.appId,
      userId: user.id,
      refreshHash: refresh.hash,
      generation: 0,
      revoked: false,
      createdAt: now,
      expiresAt: now + config.refreshTokenTtlSec * 1000,
    };
    await this.deps.store.createSession(session);
    const access = await this.issueAccess(config, user, session);
    return { ...access, refreshToken: refresh.token, refreshTokenExpiresAt: session.expiresAt, sessionId };
  }

  private async issueAccess(config: AppAuthConfig, user: AuthUser, session: AuthSession) {
    // The user's own narrowing, else the policy; the gateway intersects it with the policy in force.
    const permissions = user.permissions ?? config.userPermissions;
    const { token, expiresAt } = await this.deps.tokens.issue(
      {
        appId: user.appId,
        userId: user.id,
        sessionId: session.id,
        permissions,
        user: { id: user.id, name: user.displayName, avatar: user.avatarUrl },
      },
      config.accessTokenTtlSec,
    );
    return { accessToken: token, accessTokenExpiresAt: expiresAt };
  }
}

export interface VerifiedAccess extends Awaited<ReturnType<AccessTokens['verify']>> {
  /** The app's per-user policy now: the gateway intersects the token's permissions with it. */
  policy: PermissionMap;
  record: AuthUser;
}

function limited(retryAfterMs: number): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.AuthRateLimited,
    `too many sign-in attempts; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
  );
}
