import { ErrorCode, type Limits, RelayBoxError } from '@relaybox/protocol';
import type { AuthGuard } from '../auth/auth-guard.js';
import { extractCredentials } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import { KeyedRateLimiter } from '../rate-limit.js';

/**
 * The budgets of every REST call, in order: the remote address's (`restAddressRatePerSecond`,
 * checked before anything is looked up), failed authentications of the address (`AuthGuard`), and
 * the caller's (`restRatePerSecond`): per API key, or per app and clientId for a token. A token's
 * publishes also draw from its client's publish rate (`publishRatePerSecond`), as over WebSocket.
 */
export class RestAccess {
  private readonly perAddress: KeyedRateLimiter;
  private readonly perCaller: KeyedRateLimiter;
  private readonly clientPublishes: KeyedRateLimiter;

  constructor(
    private readonly guard: AuthGuard,
    private readonly limits: Limits,
  ) {
    this.perAddress = new KeyedRateLimiter(limits.restAddressRatePerSecond, limits.restAddressBurst);
    this.perCaller = new KeyedRateLimiter(limits.restRatePerSecond, limits.restBurst);
    this.clientPublishes = new KeyedRateLimiter(limits.publishRatePerSecond, limits.publishBurst);
  }

  /** One call from the address (`restAddressRatePerSecond`); `rate_limited` when its bucket is empty. */
  takeAddress(ip: string): void {
    if (!this.perAddress.take(ip)) {
      throw new RelayBoxError(
        ErrorCode.RateLimited,
        `more than ${this.limits.restAddressRatePerSecond} REST calls/s from this address`,
      );
    }
  }

  /** `takeAddress`, then the credentials (failures limited by the `AuthGuard`), then the caller's budget. */
  async authenticate(ip: string, authorization: string, addressTaken = false): Promise<Principal> {
    if (!addressTaken) this.takeAddress(ip);
    const credentials = extractCredentials({
      authorization,
      protocols: '',
      queryToken: '',
      queryClientId: '',
    });
    const principal = await this.guard.authenticate(ip, credentials);
    if (!this.perCaller.take(callerOf(principal))) {
      throw new RelayBoxError(
        ErrorCode.RateLimited,
        `more than ${this.limits.restRatePerSecond} REST calls/s with these credentials`,
      );
    }
    return principal;
  }

  /** A publish with a client's token: its client's publish rate (API keys: the caller budget only). */
  takePublish(principal: Principal): void {
    if (principal.via !== 'token') return;
    if (!this.clientPublishes.take(`${principal.appId}\u0000${principal.clientId}`)) {
      throw new RelayBoxError(
        ErrorCode.RateLimited,
        `publish rate above ${this.limits.publishRatePerSecond}/s for this client`,
      );
    }
  }

  sweep(): void {
    this.perAddress.sweep();
    this.perCaller.sweep();
    this.clientPublishes.sweep();
  }
}

function callerOf(principal: Principal): string {
  return principal.via === 'token'
    ? `c:${principal.appId}\u0000${principal.clientId}`
    : `k:${principal.appId}.${principal.keyId}`;
}
