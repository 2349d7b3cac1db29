/**
 * Full-jitter exponential backoff with a floor. The n-th delay (n counted from 0 since the last
 * `reset`) is uniform in `[minMs, min(maxMs, minMs · 2^(n+1))]`: never below `minMs`, never above
 * `maxMs`, and spread over the whole window so that clients dropped together do not come back together.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Upper bound of the n-th delay. */
  static ceiling(minMs: number, maxMs: number, attempt: number): number {
    return Math.min(maxMs, minMs * 2 ** Math.min(attempt + 1, 52));
  }

  next(): number {
    const ceiling = Backoff.ceiling(this.minMs, this.maxMs, this.attempt);
    this.attempt++;
    return Math.floor(this.minMs + this.random() * (ceiling - this.minMs));
  }

  reset(): void {
    this.attempt = 0;
  }
}
