/** One counter of attempts: at most `limit` per window. */
export interface AttemptBucket {
  key: string;
  limit: number;
}

export type Reservation = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Counts sign-in attempts per account and per address (fixed windows).
 *
 * Guarantees:
 * - `reserve` is atomic over all its buckets: either every bucket had room and each now counts one
 *   more attempt, or none changed. So N concurrent reservations against a bucket with room for k
 *   succeed at most k times: a burst of parallel guesses cannot exceed the limit.
 * - A bucket's window starts with its first attempt and lasts `windowMs`; then it is empty again.
 * - Keys are the caller's (it scopes them to an app); the limiter adds its own prefix.
 */
export interface AttemptLimiter {
  reserve(appId: string, buckets: AttemptBucket[], windowMs: number): Promise<Reservation>;
  /** Gives one attempt back to each bucket (an attempt that turned out to succeed). */
  release(appId: string, keys: string[]): Promise<void>;
  /** Empties the buckets (a successful sign-in clears the account's failures). */
  reset(appId: string, keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The embedded engine's limiter: one process, so a Map is atomic. */
export class MemoryAttemptLimiter implements AttemptLimiter {
  private readonly buckets = new Map<string, { count: number; until: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  async reserve(appId: string, buckets: AttemptBucket[], windowMs: number): Promise<Reservation> {
    const now = this.clock();
    for (const { key, limit } of buckets) {
      const bucket = this.live(appId, key, now);
      if (bucket && bucket.count >= limit) return { ok: false, retryAfterMs: bucket.until - now };
    }
    for (const { key } of buckets) {
      const bucket = this.live(appId, key, now) ?? { count: 0, until: now + windowMs };
      bucket.count += 1;
      this.buckets.set(`${appId}\u0000${key}`, bucket);
    }
    if (this.buckets.size > MAX_MEMORY_BUCKETS) this.sweep(now);
    return { ok: true };
  }

  async release(appId: string, keys: string[]): Promise<void> {
    for (const key of keys) {
      const bucket = this.live(appId, key, this.clock());
      if (bucket && bucket.count > 0) bucket.count -= 1;
    }
  }

  async reset(appId: string, keys: string[]): Promise<void> {
    for (const key of keys) this.buckets.delete(`${appId}\u0000${key}`);
  }

  async close(): Promise<void> {}

  private live(appId: string, key: string, now: number) {
    const bucket = this.buckets.get(`${appId}\u0000${key}`);
    return bucket && bucket.until > now ? bucket : undefined;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.until <= now) this.buckets.delete(key);
  }
}

/** Past this many buckets, expired ones are dropped (bounded memory). */
const MAX_MEMORY_BUCKETS = 100_000;
