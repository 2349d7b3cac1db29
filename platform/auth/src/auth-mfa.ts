import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { ActionTokens } from './action-tokens.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { AuthHooks } from './auth-events.js';
import type { AuthKeys } from './auth-keys.js';
import type { AuthResult, AuthService } from './auth-service.js';
import { otpauthQrSvg, otpauthUri } from './totp/otpauth-uri.js';
import { generateRecoveryCodes, hashRecoveryCode, MAX_RECOVERY_CODE_LENGTH } from './totp/recovery-codes.js';
import { generateTotpSecret, verifyTotp } from './totp/totp.js';
import type { AuthUser, UserMfa, UserStore } from './user-store.js';
import { publicUser } from './user-view.js';

const NO_MFA: UserMfa = { totpSecretSealed: null, totpEnabled: false, recoveryCodeHashes: [] };

/**
 * TOTP multi-factor (docs/auth.md#multi-factor): enrol (`otpauth://` URI and QR code), activate with
 * a first code (answers the recovery codes, once), the sign-in's second step, disable. Every code
 * check reserves an attempt in the account's MFA bucket first (the sign-in limits), so codes cannot
 * be guessed faster than passwords; a code's step must be newer than the last accepted one.
 */
export class AuthMfa {
  constructor(
    private readonly deps: {
      service: AuthService;
      store: UserStore;
      limiter: AttemptLimiter;
      keys: AuthKeys;
      actions: ActionTokens;
      hooks: AuthHooks;
      now?: () => number;
    },
  ) {}

  async enroll(appId: string, token: string): Promise<{ otpauthUri: string; qrSvg: string }> {
    const { record: user } = await this.deps.service.verifyAccess(token, appId);
    return this.enrollUser(user);
  }

  /** The first code turns the enrolled authenticator on; answers the recovery codes (shown once). */
  async activate(
    appId: string,
    token: string,
    body: Record<string, unknown>,
  ): Promise<{ recoveryCodes: string[] }> {
    const { record: user } = await this.deps.service.verifyAccess(token, appId);
    return this.activateUser(user, body.code);
  }

  /** `auth.mfa.required`: enrols the user of an `enrollToken` (sign-up or sign-in without authenticator). */
  async enrollForSignIn(
    appId: string,
    body: Record<string, unknown>,
  ): Promise<{ otpauthUri: string; qrSvg: string }> {
    return this.enrollUser(await this.enrollingUser(appId, body));
  }

  /** `auth.mfa.required`: the first code activates the authenticator and starts the session. */
  async activateForSignIn(
    appId: string,
    body: Record<string, unknown>,
  ): Promise<AuthResult & { recoveryCodes: string[] }> {
    const user = await this.enrollingUser(appId, body);
    const { recoveryCodes } = await this.activateUser(user, body.code);
    const active = (await this.deps.store.getUser(appId, user.id)) ?? user;
    this.deps.hooks.event({
      type: 'auth.signin',
      appId,
      userId: user.id,
      detail: { method: 'totp-enrolment' },
    });
    return { recoveryCodes, user: publicUser(active), session: await this.deps.service.startSession(active) };
  }

  private async enrollingUser(appId: string, body: Record<string, unknown>): Promise<AuthUser> {
    const claims = this.deps.actions.verify(body.enrollToken, appId, 'mfa-enroll');
    const user = await this.deps.store.getUser(appId, claims.s);
    // Once activated, the token is spent: that user signs in with a code from now on.
    if (!user || user.mfa.totpEnabled) {
      throw new RelayBoxError(ErrorCode.ActionTokenInvalid, 'the enrolment token is no longer valid');
    }
    if (user.disabled) throw new RelayBoxError(ErrorCode.UserDisabled, 'this user is disabled');
    return user;
  }

  private async enrollUser(user: AuthUser): Promise<{ otpauthUri: string; qrSvg: string }> {
    const config = await this.deps.service.config(user.appId);
    if (!config.mfaAllowed) {
      throw new RelayBoxError(ErrorCode.PermissionDenied, 'multi-factor authentication is off for this app');
    }
    if (user.mfa.totpEnabled) {
      throw new RelayBoxError(
        ErrorCode.MfaNotEnabled,
        'an authenticator is already enabled; disable it first',
      );
    }
    const secret = generateTotpSecret();
    const mfa: UserMfa = { ...NO_MFA, totpSecretSealed: this.deps.keys.seal(secret, sealContext(user)) };
    await this.deps.store.updateUser(user.appId, user.id, { mfa }, this.now());
    const uri = otpauthUri({ issuer: config.appName, account: user.email, secret });
    return { otpauthUri: uri, qrSvg: await otpauthQrSvg(uri) };
  }

  private async activateUser(user: AuthUser, code: unknown): Promise<{ recoveryCodes: string[] }> {
    if (user.mfa.totpEnabled || !user.mfa.totpSecretSealed) {
      throw new RelayBoxError(
        ErrorCode.MfaNotEnabled,
        'enrol an authenticator first (POST /mfa/totp/enroll)',
      );
    }
    const step = await this.checkTotp(user, code, false);
    const recovery = generateRecoveryCodes(10);
    const mfa: UserMfa = {
      ...user.mfa,
      totpEnabled: true,
      recoveryCodeHashes: recovery.hashes,
      totpLastStep: step,
    };
    await this.deps.store.updateUser(user.appId, user.id, { mfa }, this.now());
    return { recoveryCodes: recovery.codes };
  }

  async disable(appId: string, token: string, body: Record<string, unknown>): Promise<undefined> {
    const { record: user } = await this.deps.service.verifyAccess(token, appId);
    if (!user.mfa.totpEnabled)
      throw new RelayBoxError(ErrorCode.MfaNotEnabled, 'no authenticator is enabled');
    if ((await this.deps.service.config(appId)).mfaRequired)
      throw new RelayBoxError(ErrorCode.PermissionDenied, 'this app requires an authenticator');
    await this.checkSecondFactor(user, body);
    await this.deps.store.updateUser(appId, user.id, { mfa: NO_MFA }, this.now());
    return undefined;
  }

  /** The sign-in's second step: `{ mfaToken, code }` or `{ mfaToken, recoveryCode }`. */
  async completeSignIn(appId: string, body: Record<string, unknown>): Promise<AuthResult> {
    const claims = this.deps.actions.verify(body.mfaToken, appId, 'mfa-signin');
    const user = await this.deps.store.getUser(appId, claims.s);
    if (!user?.mfa.totpEnabled) {
      throw new RelayBoxError(ErrorCode.ActionTokenInvalid, 'the sign-in challenge is no longer valid');
    }
    if (user.disabled) throw new RelayBoxError(ErrorCode.UserDisabled, 'this user is disabled');
    const method = await this.checkSecondFactor(user, body);
    this.deps.hooks.event({ type: 'auth.signin', appId, userId: user.id, detail: { method } });
    return { user: publicUser(user), session: await this.deps.service.startSession(user) };
  }

  /**
   * A TOTP `code` or a `recoveryCode`, made single-use by an atomic store operation (of parallel
   * requests with one code, one passes). Returns the method used.
   */
  private async checkSecondFactor(user: AuthUser, body: Record<string, unknown>): Promise<string> {
    if (body.recoveryCode === undefined) {
      const step = await this.checkTotp(user, body.code, true);
      if (!(await this.deps.store.acceptTotpStep(user.appId, user.id, step, this.now())))
        throw this.failed(user, 'totp');
      return 'password+totp';
    }
    await this.reserve(user);
    const code = body.recoveryCode;
    // The store compares digests of 50 random bits: their timing tells nothing about a code.
    const used =
      typeof code === 'string' &&
      code.length <= MAX_RECOVERY_CODE_LENGTH &&
      (await this.deps.store.consumeRecoveryCode(user.appId, user.id, hashRecoveryCode(code), this.now()));
    if (!used) throw this.failed(user, 'recovery_code');
    await this.deps.limiter.reset(user.appId, [bucket(user)]);
    return 'password+recovery';
  }

  /** Checks a TOTP code (reserving an attempt first); returns its step. */
  private async checkTotp(user: AuthUser, code: unknown, newerOnly: boolean): Promise<number> {
    if (typeof code !== 'string' || code.length > 16) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, '"code" must be the 6 digits of the authenticator');
    }
    await this.reserve(user);
    const secret = this.deps.keys.open(user.mfa.totpSecretSealed as string, sealContext(user));
    const match = verifyTotp(secret, code, { now: this.now() });
    if (!match || (newerOnly && match.step <= (user.mfa.totpLastStep ?? -1))) throw this.failed(user, 'totp');
    await this.deps.limiter.reset(user.appId, [bucket(user)]);
    return match.step;
  }

  private async reserve(user: AuthUser): Promise<void> {
    const config = await this.deps.service.config(user.appId);
    const { perAccount, windowSec } = config.signInLimits;
    const reserved = await this.deps.limiter.reserve(
      user.appId,
      [{ key: bucket(user), limit: perAccount }],
      windowSec * 1000,
    );
    if (!reserved.ok) {
      this.deps.hooks.event({
        type: 'auth.mfa.failed',
        appId: user.appId,
        userId: user.id,
        detail: { reason: 'rate_limited' },
      });
      throw new RelayBoxError(
        ErrorCode.AuthRateLimited,
        `too many MFA attempts; retry in ${Math.ceil(reserved.retryAfterMs / 1000)} s`,
      );
    }
  }

  private failed(user: AuthUser, factor: string): RelayBoxError {
    this.deps.hooks.event({
      type: 'auth.mfa.failed',
      appId: user.appId,
      userId: user.id,
      detail: { factor },
    });
    return new RelayBoxError(ErrorCode.MfaCodeInvalid, 'wrong code');
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function bucket(user: AuthUser): string {
  return `mfa:${user.id}`;
}

/** A sealed seed opens only for its own app and user. */
function sealContext(user: AuthUser): string {
  return `totp:${user.appId}:${user.id}`;
}
