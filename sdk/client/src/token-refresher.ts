import { ErrorCode, type RefreshAck, type RelayBoxError } from '@relaybox/protocol';
import type { AuthProvider } from './auth-provider.js';
import { toRelayBoxError } from './to-relay-box-error.js';

/** Delays before retrying a failed refresh; after the last one the server closes the connection at expiry. */
export const REFRESH_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 15_000];

/**
 * When to refresh a token with `remainingMs` left: at 80% of it or 30 s before expiry, whichever
 * is earlier, but never before half of it (a short-lived token must not cause a refresh loop) and
 * never in the past.
 */
export function refreshDelay(remainingMs: number): number {
  const preferred = Math.min(remainingMs * 0.8, remainingMs - 30_000);
  return Math.max(0, Math.floor(Math.max(preferred, remainingMs / 2)));
}

/**
 * Renews the token of a connected socket in band: before expiry it obtains a new token and sends
 * `refresh`. Only for renewable credentials and tokens whose expiry is known. `stop` cancels
 * everything in flight (the socket is gone; the next connect checks the token itself).
 */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(
    private readonly auth: AuthProvider,
    private readonly sendRefresh: (token: string) => Promise<RefreshAck>,
    private readonly onError: (error: RelayBoxError) => void,
  ) {}

  start(): void {
    this.stop();
    const expiresAt = this.auth.expiresAt;
    if (!this.auth.renewable || expiresAt === undefined) return;
    const generation = this.generation;
    this.timer = setTimeout(() => this.refresh(generation, 0), refreshDelay(expiresAt - Date.now()));
  }

  stop(): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async refresh(generation: number, attempt: number): Promise<void> {
    try {
      const token = await this.auth.renew();
      if (generation !== this.generation) return;
      const ack = await this.sendRefresh(token);
      if (generation !== this.generation) return;
      this.auth.noteServerExpiry(ack?.expiresAt);
      this.start();
    } catch (error) {
      if (generation !== this.generation) return;
      this.onError(toRelayBoxError(error, ErrorCode.AuthEndpointFailed, 'token refresh failed'));
      const delay = REFRESH_RETRY_DELAYS_MS[attempt];
      if (delay !== undefined) this.timer = setTimeout(() => this.refresh(generation, attempt + 1), delay);
    }
  }
}
