import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { KeyedRateLimiter } from '../rate-limit.js';
import type { Authenticator } from './authenticator.js';
import type { Credentials, Principal } from './principal.js';

/** Codes of credentials that were checked and refused (store failures are not the caller's fault). */
const AUTH_FAILURES = new Set<string>([
  ErrorCode.TokenMissing,
  ErrorCode.TokenMalformed,
  ErrorCode.TokenSignatureInvalid,
  ErrorCode.TokenAlgorithmUnsupported,
  ErrorCode.TokenExpired,
  ErrorCode.TokenNotYetValid,
  ErrorCode.TokenClaimsInvalid,
  ErrorCode.TokenLifetimeTooLong,
  ErrorCode.KeyUnknown,
  ErrorCode.ApiKeyInvalid,
  ErrorCode.InvalidRequest,
  ErrorCode.SessionRevoked,
  ErrorCode.AuthNotEnabled,
]);

/**
 * Authentication of unauthenticated requests (upgrades and REST), limited per remote address
 * before any key lookup: each address has a bucket of `burst` failures refilled at `rate`.
 * - An address whose bucket is empty is refused with `auth_rate_limited` at once.
 * - Credentials naming a key the store did not find recently take a token BEFORE the lookup (so
 *   concurrent requests with random key ids cannot all reach the store), given back on success.
 * - Credentials naming a recently found key (no store cost) take a token only when refused.
 * A backend using a valid key therefore never spends the bucket after its first success.
 */
export class AuthGuard {
  private readonly failures: KeyedRateLimiter;

  constructor(
    private readonly authenticator: Authenticator,
    ratePerSecond: number,
    burst: number,
  ) {
    this.failures = new KeyedRateLimiter(ratePerSecond, burst);
  }

  async authenticate(ip: string, credentials: Credentials): Promise<Principal> {
    if (!this.failures.available(ip)) throw refused();
    const known = this.authenticator.knows(credentials);
    if (!known && !this.failures.take(ip)) throw refused();
    try {
      const principal = await this.authenticator.authenticate(credentials);
      if (!known) this.failures.refund(ip);
      return principal;
    } catch (error) {
      const failed = error instanceof RelayBoxError && AUTH_FAILURES.has(error.code);
      if (known && failed) this.failures.take(ip);
      if (!known && !failed) this.failures.refund(ip);
      throw error;
    }
  }

  /** Forgets addresses whose bucket refilled (bounded memory). */
  sweep(): void {
    this.failures.sweep();
  }
}

function refused(): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.AuthRateLimited,
    'too many failed authentications from this address; retry later',
  );
}
