/**
 * Codes of the sign-in building blocks (TOTP, OAuth/OIDC, mailer). Each has the HTTP-like status the
 * `/v1/auth` routes answer with; the service maps an `AuthProviderError` to `{error:{code,message}}`.
 */
export const AuthProviderErrorCode = {
  /** A redirect URI that is not, character for character, in the app's allow list. */
  RedirectNotAllowed: 'oauth_redirect_not_allowed',
  /** The callback's `state` is missing or is not the one this sign-in started with. */
  StateMismatch: 'oauth_state_mismatch',
  /** The provider answered the authorization request with an `error` parameter (user denied...). */
  ProviderDenied: 'oauth_provider_error',
  /** The token endpoint refused the code (replayed, expired, wrong verifier or redirect URI). */
  CodeRejected: 'oauth_code_rejected',
  /** The id_token failed verification: signature, `iss`, `aud`, `nonce`, `exp`, `azp`. */
  IdTokenInvalid: 'oauth_id_token_invalid',
  /** The provider is unreachable, too slow, answered too much, or its metadata is unusable. */
  ProviderUnavailable: 'oauth_provider_unavailable',
  /** The provider configuration is unusable (unknown kind, missing issuer, bad scopes). */
  ProviderConfigInvalid: 'oauth_provider_config_invalid',
  /** The provider vouches for no usable account (GitHub without a verified primary email...). */
  ProfileInvalid: 'oauth_profile_invalid',
  /** A TOTP secret, code or recovery code input that is malformed (not a wrong code: that is `false`). */
  MfaInputInvalid: 'mfa_input_invalid',
  /** The mail could not be handed to the SMTP server. */
  MailDeliveryFailed: 'mail_delivery_failed',
  /** A mail that breaks a bound (recipient, subject or body size). */
  MailInvalid: 'mail_invalid',
} as const;

export type AuthProviderErrorCode = (typeof AuthProviderErrorCode)[keyof typeof AuthProviderErrorCode];

const STATUS: Record<AuthProviderErrorCode, number> = {
  oauth_redirect_not_allowed: 400,
  oauth_state_mismatch: 400,
  oauth_provider_error: 401,
  oauth_code_rejected: 401,
  oauth_id_token_invalid: 401,
  oauth_provider_unavailable: 503,
  oauth_provider_config_invalid: 500,
  oauth_profile_invalid: 401,
  mfa_input_invalid: 400,
  mail_delivery_failed: 503,
  mail_invalid: 400,
};

/** A typed error with a stable string `code` (jose style); `cause` keeps the underlying error. */
export class AuthProviderError extends Error {
  override readonly name = 'AuthProviderError';
  readonly status: number;

  constructor(
    readonly code: AuthProviderErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS[code];
  }

  /** Worth retrying later (the provider or the SMTP server was unavailable). */
  get retryable(): boolean {
    return this.status === 503;
  }
}
