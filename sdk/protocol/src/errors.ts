/**
 * One enum of error codes shared by the gateway, the REST API and both SDKs. Each code carries an
 * HTTP-like status and whether retrying the same request later can succeed.
 */
export const ErrorCode = {
  // Authentication (upgrade refused, or REST 401/403).
  TokenMissing: 'token_missing',
  TokenMalformed: 'token_malformed',
  TokenSignatureInvalid: 'token_signature_invalid',
  TokenAlgorithmUnsupported: 'token_algorithm_unsupported',
  TokenExpired: 'token_expired',
  TokenNotYetValid: 'token_not_yet_valid',
  TokenClaimsInvalid: 'token_claims_invalid',
  TokenClientMismatch: 'token_client_mismatch',
  /** `exp` further ahead than the gateway's `maxTokenLifetimeSec` (default 24 h). */
  TokenLifetimeTooLong: 'token_lifetime_too_long',
  KeyUnknown: 'key_unknown',
  ApiKeyInvalid: 'api_key_invalid',
  // Authorization.
  PermissionDenied: 'permission_denied',
  NotJoined: 'not_joined',
  /** The app's allowed origins (cloud mode) do not include the browser's `Origin`. */
  OriginNotAllowed: 'origin_not_allowed',
  // Bad input.
  InvalidFrame: 'invalid_frame',
  UnknownFrameType: 'unknown_frame_type',
  FrameTooLarge: 'frame_too_large',
  InvalidRoomName: 'invalid_room_name',
  InvalidRequest: 'invalid_request',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  // Limits.
  RoomLimitExceeded: 'room_limit_exceeded',
  PresenceDataTooLarge: 'presence_data_too_large',
  RateLimited: 'rate_limited',
  ConnectionRateLimited: 'connection_rate_limited',
  AppConnectionLimit: 'app_connection_limit',
  /** Too many failed authentications from the address: refused before any key lookup. */
  AuthRateLimited: 'auth_rate_limited',
  // Availability.
  BrokerUnavailable: 'broker_unavailable',
  StoreUnavailable: 'store_unavailable',
  ServerShuttingDown: 'server_shutting_down',
  Internal: 'internal_error',
  // Raised by the SDKs themselves.
  Timeout: 'timeout',
  ConnectionClosed: 'connection_closed',
  AuthEndpointFailed: 'auth_endpoint_failed',
  NetworkError: 'network_error',
  InvalidOptions: 'invalid_options',
  // Raised by verifyWebhook in @relaybox/rest.
  WebhookSignatureInvalid: 'webhook_signature_invalid',
  // Control plane (dashboard/api): browser sessions and accounts.
  Unauthorized: 'unauthorized',
  InvalidCredentials: 'invalid_credentials',
  SignupFailed: 'signup_failed',
  CsrfInvalid: 'csrf_invalid',
  /** An app already has its maximum number of webhook endpoints (control plane). */
  WebhookEndpointLimit: 'webhook_endpoint_limit',
  /** No such dead letter of the endpoint (unknown event, already requeued, or dropped by the bound). */
  DeadLetterNotFound: 'dead_letter_not_found',
  /** No gateway of the app answered a requeue in time: nothing was requeued or lost; retry. */
  GatewayUnavailable: 'gateway_unavailable',
  /** An app's user pool already has its maximum number of OAuth / OIDC providers (control plane). */
  AuthProviderLimit: 'auth_provider_limit',
  /** An app's user pool already has a provider with this id (control plane). */
  AuthProviderExists: 'auth_provider_exists',
  // Live auth (`/v1/auth/...`, docs/auth.md).
  /** The app has no user pool. */
  AuthNotEnabled: 'auth_not_enabled',
  /** Not a refresh token, or one that is expired or unknown: sign in again. */
  RefreshTokenInvalid: 'refresh_token_invalid',
  /** An earlier refresh token of the session was presented again: the whole session is revoked. */
  RefreshTokenReused: 'refresh_token_reused',
  /** The session of this token was revoked (sign out, admin, reuse) or its user disabled. */
  SessionRevoked: 'session_revoked',
  /** The right password of a disabled user. */
  UserDisabled: 'user_disabled',
  /** A wrong TOTP or recovery code (counts against the sign-in limit). */
  MfaCodeInvalid: 'mfa_code_invalid',
  /** An MFA step for a user without (or, to enrol, already with) an authenticator. */
  MfaNotEnabled: 'mfa_not_enabled',
  /** An email-verification, password-reset or MFA sign-in token that is malformed, expired or used. */
  ActionTokenInvalid: 'action_token_invalid',
  /** The mail could not be handed to the SMTP server. */
  MailDeliveryFailed: 'mail_delivery_failed',
  /** The right password, but the app requires a verified email first (`requireEmailVerification`). */
  EmailNotVerified: 'email_not_verified',
  // OAuth / OIDC sign-in and the auth building blocks (docs/auth-providers.md).
  OAuthRedirectNotAllowed: 'oauth_redirect_not_allowed',
  OAuthStateMismatch: 'oauth_state_mismatch',
  OAuthProviderError: 'oauth_provider_error',
  OAuthCodeRejected: 'oauth_code_rejected',
  OAuthIdTokenInvalid: 'oauth_id_token_invalid',
  OAuthProviderUnavailable: 'oauth_provider_unavailable',
  OAuthProviderConfigInvalid: 'oauth_provider_config_invalid',
  OAuthProfileInvalid: 'oauth_profile_invalid',
  MfaInputInvalid: 'mfa_input_invalid',
  MailInvalid: 'mail_invalid',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

interface ErrorInfo {
  readonly status: number;
  readonly retryable: boolean;
}

const info = (status: number, retryable = false): ErrorInfo => ({ status, retryable });

export const ERROR_INFO: Readonly<Record<ErrorCode, ErrorInfo>> = {
  token_missing: info(401),
  token_malformed: info(401),
  token_signature_invalid: info(401),
  token_algorithm_unsupported: info(401),
  token_expired: info(401),
  token_not_yet_valid: info(401),
  token_claims_invalid: info(401),
  token_client_mismatch: info(403),
  token_lifetime_too_long: info(401),
  key_unknown: info(401),
  api_key_invalid: info(401),
  permission_denied: info(403),
  not_joined: info(403),
  origin_not_allowed: info(403),
  invalid_frame: info(400),
  unknown_frame_type: info(400),
  frame_too_large: info(413),
  invalid_room_name: info(400),
  invalid_request: info(400),
  not_found: info(404),
  method_not_allowed: info(405),
  room_limit_exceeded: info(400),
  presence_data_too_large: info(413),
  rate_limited: info(429, true),
  connection_rate_limited: info(429, true),
  app_connection_limit: info(429, true),
  auth_rate_limited: info(429, true),
  broker_unavailable: info(503, true),
  store_unavailable: info(503, true),
  server_shutting_down: info(503, true),
  internal_error: info(500, true),
  timeout: info(504, true),
  connection_closed: info(503, true),
  auth_endpoint_failed: info(401, true),
  network_error: info(503, true),
  invalid_options: info(400),
  webhook_signature_invalid: info(400),
  unauthorized: info(401),
  invalid_credentials: info(401),
  signup_failed: info(400),
  csrf_invalid: info(403),
  webhook_endpoint_limit: info(409),
  dead_letter_not_found: info(404),
  gateway_unavailable: info(503, true),
  auth_provider_limit: info(409),
  auth_provider_exists: info(409),
  auth_not_enabled: info(404),
  refresh_token_invalid: info(401),
  refresh_token_reused: info(401),
  session_revoked: info(401),
  user_disabled: info(403),
  mfa_code_invalid: info(401),
  mfa_not_enabled: info(400),
  action_token_invalid: info(400),
  mail_delivery_failed: info(503, true),
  email_not_verified: info(403),
  oauth_redirect_not_allowed: info(400),
  oauth_state_mismatch: info(400),
  oauth_provider_error: info(401),
  oauth_code_rejected: info(401),
  oauth_id_token_invalid: info(401),
  oauth_provider_unavailable: info(503, true),
  oauth_provider_config_invalid: info(500),
  oauth_profile_invalid: info(401),
  mfa_input_invalid: info(400),
  mail_invalid: info(400),
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_INFO, value);
}

/** The JSON body of every refused request: HTTP responses, refused upgrades and error frames. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class RelayBoxError extends Error {
  override readonly name = 'RelayBoxError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = ERROR_INFO[code].status;
    this.retryable = ERROR_INFO[code].retryable;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  /** Rebuilds an error from a wire body; an unknown code becomes `internal_error`. */
  static fromBody(body: unknown, fallbackMessage = 'unexpected error'): RelayBoxError {
    const error = (body as Partial<ErrorBody> | null)?.error;
    const code = isErrorCode(error?.code) ? error.code : ErrorCode.Internal;
    const message = typeof error?.message === 'string' ? error.message : fallbackMessage;
    return new RelayBoxError(code, message);
  }
}
