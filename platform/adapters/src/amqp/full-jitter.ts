/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(maxMs, minMs * 2^attempt)), never
 * below `minMs / 2` so a flapping peer is not hammered. `attempt` counts from 0.
 */
export function fullJitter(attempt: number, minMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs / 2, Math.floor(Math.random() * ceiling));
}
