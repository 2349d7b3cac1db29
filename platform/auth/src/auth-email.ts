import { createHash } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { emailDigest } from './access-tokens.js';
import type { ActionTokens } from './action-tokens.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { AuthHooks } from './auth-events.js';
import { AuthProviderError } from './auth-provider-error.js';
import type { AuthService } from './auth-service.js';
import { validateCredentials } from './input.js';
import { passwordResetEmail, verificationEmail } from './mailer/mail-templates.js';
import type { Mailer, MailMessage } from './mailer/mailer.js';
import type { PasswordHasher } from './passwords.js';
import type { AuthUser, UserStore } from './user-store.js';
import { type PublicUser, publicUser } from './user-view.js';

export const VERIFY_TTL_SEC = 24 * 3600;
export const RESET_TTL_SEC = 3600;
/** Verification mails a user may ask for per sign-in window. */
const VERIFY_MAILS_PER_WINDOW = 5;

/**
 * Email verification and password reset through the deployment's mailer, with links to the app's
 * own pages (`emailLinks`) carrying a one-purpose token in their fragment. A reset request answers
 * the same (202) whether or not the email has an account, and sends the mail in the background so
 * the answer takes no longer when it does; a reset token works once (it is bound to the password
 * hash it replaces) and signs the user out everywhere.
 */
export class AuthEmail {
  constructor(
    private readonly deps: {
      service: AuthService;
      store: UserStore;
      limiter: AttemptLimiter;
      passwords: PasswordHasher;
      actions: ActionTokens;
      /** The deployment's mailer for this app (the dev mailbox keeps one inbox per app). */
      mailer: (appId: string) => Mailer;
      hooks: AuthHooks;
      /** A background send that failed (logged by the gateway without the mail). */
      onSendFailed?: (appId: string, error: unknown) => void;
      now?: () => number;
    },
  ) {}

  async requestVerification(appId: string, token: string): Promise<{ sent: boolean }> {
    const config = await this.deps.service.config(appId);
    const baseUrl = config.emailLinks.verifyUrl;
    if (!baseUrl) throw notConfigured('verifyUrl');
    const { record: user } = await this.deps.service.verifyAccess(token, appId);
    if (user.emailVerified) return { sent: false };
    const { windowSec } = config.signInLimits;
    const reserved = await this.deps.limiter.reserve(
      appId,
      [{ key: `verify-mail:${user.id}`, limit: VERIFY_MAILS_PER_WINDOW }],
      windowSec * 1000,
    );
    if (!reserved.ok)
      throw new RelayBoxError(ErrorCode.AuthRateLimited, 'too many verification mails; retry later');
    const link = this.deps.actions.issue(
      appId,
      'verify-email',
      { s: user.id, b: user.email },
      VERIFY_TTL_SEC,
    );
    await this.send(
      appId,
      user,
      verificationEmail({
        to: user.email,
        appName: config.appName,
        baseUrl,
        token: link,
        expiresInMinutes: VERIFY_TTL_SEC / 60,
      }),
      'verify',
    );
    return { sent: true };
  }

  /** `{ email }` without a session (before the first sign-in): always 202 `{}`, the mail in the background. */
  async requestVerificationByEmail(
    appId: string,
    body: Record<string, unknown>,
    ip: string,
  ): Promise<Record<string, never>> {
    const config = await this.deps.service.config(appId);
    if (!config.emailLinks.verifyUrl) throw notConfigured('verifyUrl');
    const email = validateCredentials({ ...body, password: 'x'.repeat(8) }, 8).email;
    const { perAccount, perAddress, windowSec } = config.signInLimits;
    const reserved = await this.deps.limiter.reserve(
      appId,
      [
        { key: `verify:${emailDigest(email)}`, limit: perAccount },
        { key: `verify-address:${ip}`, limit: perAddress },
      ],
      windowSec * 1000,
    );
    if (!reserved.ok)
      throw new RelayBoxError(ErrorCode.AuthRateLimited, 'too many verification mails; retry later');
    const user = await this.deps.store.findUserByEmail(appId, email);
    if (user && !user.emailVerified && !user.disabled) this.sendVerificationInBackground(user);
    return {};
  }

  /** The verification mail of a user, sent without waiting (sign-up, resend by email). */
  sendVerificationInBackground(user: AuthUser): void {
    void (async () => {
      const config = await this.deps.service.config(user.appId);
      const baseUrl = config.emailLinks.verifyUrl;
      if (!baseUrl) return;
      const token = this.deps.actions.issue(
        user.appId,
        'verify-email',
        { s: user.id, b: user.email },
        VERIFY_TTL_SEC,
      );
      const mail = verificationEmail({
        to: user.email,
        appName: config.appName,
        baseUrl,
        token,
        expiresInMinutes: VERIFY_TTL_SEC / 60,
      });
      await this.send(user.appId, user, mail, 'verify');
    })().catch((error: unknown) => this.deps.onSendFailed?.(user.appId, error));
  }

  async verifyEmail(appId: string, body: Record<string, unknown>): Promise<{ user: PublicUser }> {
    await this.deps.service.config(appId);
    const claims = this.deps.actions.verify(body.token, appId, 'verify-email');
    const user = await this.deps.store.getUser(appId, claims.s);
    if (!user || user.email !== claims.b)
      throw new RelayBoxError(ErrorCode.ActionTokenInvalid, 'the link is no longer valid');
    const updated = user.emailVerified
      ? user
      : await this.deps.store.updateUser(appId, user.id, { emailVerified: true }, this.now());
    return { user: publicUser(updated ?? user) };
  }

  /** Always 202 `{}`: whether the email has an account is not said (nor timed). */
  async requestReset(
    appId: string,
    body: Record<string, unknown>,
    ip: string,
  ): Promise<Record<string, never>> {
    const config = await this.deps.service.config(appId);
    const baseUrl = config.emailLinks.resetUrl;
    if (!baseUrl) throw notConfigured('resetUrl');
    const email = validateCredentials({ ...body, password: 'x'.repeat(8) }, 8).email;
    const { perAccount, perAddress, windowSec } = config.signInLimits;
    const reserved = await this.deps.limiter.reserve(
      appId,
      [
        { key: `reset:${emailDigest(email)}`, limit: perAccount },
        { key: `reset-address:${ip}`, limit: perAddress },
      ],
      windowSec * 1000,
    );
    if (!reserved.ok)
      throw new RelayBoxError(ErrorCode.AuthRateLimited, 'too many reset requests; retry later');
    const user = await this.deps.store.findUserByEmail(appId, email);
    if (user && !user.disabled) {
      const token = this.deps.actions.issue(
        appId,
        'reset-password',
        { s: user.id, b: fingerprint(user) },
        RESET_TTL_SEC,
      );
      const mail = passwordResetEmail({
        to: user.email,
        appName: config.appName,
        baseUrl,
        token,
        expiresInMinutes: RESET_TTL_SEC / 60,
      });
      this.send(appId, user, mail, 'reset').catch((error: unknown) => this.deps.onSendFailed?.(appId, error));
    }
    return {};
  }

  /** `{ token, password }`: sets the password, signs the user out everywhere. */
  async resetPassword(appId: string, body: Record<string, unknown>): Promise<undefined> {
    const config = await this.deps.service.config(appId);
    const claims = this.deps.actions.verify(body.token, appId, 'reset-password');
    const user = await this.deps.store.getUser(appId, claims.s);
    if (!user || user.disabled || fingerprint(user) !== claims.b) {
      throw new RelayBoxError(ErrorCode.ActionTokenInvalid, 'the link was used or is no longer valid');
    }
    const { password } = validateCredentials(
      { email: user.email, password: body.password },
      config.minPasswordLength,
    );
    await this.deps.store.updateUser(
      appId,
      user.id,
      { passwordHash: await this.deps.passwords.hash(password) },
      this.now(),
    );
    await this.deps.limiter.reset(appId, [`account:${emailDigest(user.email)}`]);
    await this.deps.service.revokeUser(appId, user.id, 'password-reset');
    return undefined;
  }

  private async send(appId: string, user: AuthUser, mail: MailMessage, kind: string): Promise<void> {
    try {
      await this.deps.mailer(appId).send(mail);
    } catch (error) {
      this.deps.hooks.event({
        type: 'auth.email.sent',
        appId,
        userId: user.id,
        detail: { kind, delivered: false },
      });
      if (error instanceof AuthProviderError) {
        throw new RelayBoxError(
          error.retryable ? ErrorCode.MailDeliveryFailed : ErrorCode.Internal,
          error.message,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    this.deps.hooks.event({
      type: 'auth.email.sent',
      appId,
      userId: user.id,
      detail: { kind, delivered: true },
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/** Changes whenever the password does (argon2 hashes carry a fresh salt). */
function fingerprint(user: AuthUser): string {
  return createHash('sha256')
    .update(user.passwordHash ?? '')
    .digest('base64url')
    .slice(0, 16);
}

function notConfigured(field: string): RelayBoxError {
  return new RelayBoxError(ErrorCode.NotFound, `this app has no emailLinks.${field}: that mail is not sent`);
}
