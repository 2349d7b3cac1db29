/**
 * Token bucket refilled lazily on each take (no timers): `ratePerSecond` sustained, `burst` at most.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number = performance.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number = performance.now()): boolean {
    return this.takeCost(1, now);
  }

  /** Takes `cost` tokens when that many are there; false (nothing taken) otherwise. */
  takeCost(cost: number, now: number = performance.now()): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Whether one token is there, without taking it. */
  available(now: number = performance.now()): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** Takes `n` tokens whatever is there (down to -burst): a penalty that refills at the rate. */
  drain(n: number, now: number = performance.now()): void {
    this.refill(now);
    this.tokens = Math.max(-this.burst, this.tokens - n);
  }

  /** Gives back one token taken before (a reservation that turned out not to count). */
  refund(): void {
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  /** True when the bucket has refilled completely, so forgetting it changes nothing. */
  isFull(now: number = performance.now()): boolean {
    return this.tokens + ((now - this.last) / 1000) * this.ratePerSecond >= this.burst;
  }
}

/** One bucket per key (remote IP), with full buckets forgotten by `sweep()` so memory stays bounded. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  take(key: string): boolean {
    return this.bucket(key).take();
  }

  /** Whether `key` has a token, without taking it (no bucket is created). */
  available(key: string): boolean {
    return this.buckets.get(key)?.available() ?? true;
  }

  drain(key: string, n: number): void {
    this.bucket(key).drain(n);
  }

  refund(key: string): void {
    this.buckets.get(key)?.refund();
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.ratePerSecond, this.burst);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  sweep(): void {
    const now = performance.now();
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
