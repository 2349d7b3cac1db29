/**
 * Log-linear latency histogram in whole microseconds (HdrHistogram-like, 6 significant bits):
 * exact below 128 µs, then 64 buckets per power of two, so every recorded value is within
 * 1.6 % of its bucket's lower bound. Fixed size, so workers can ship it over IPC as a plain array.
 */
const LINEAR = 128;
const PER_OCTAVE = 64;
/** Covers up to 2^31 µs (~36 min); larger values land in the last bucket. */
const MAX_SHIFT = 24;
export const HISTOGRAM_BUCKETS = LINEAR + MAX_SHIFT * PER_OCTAVE;

export function bucketOf(micros: number): number {
  if (!(micros > 0)) return 0;
  const v = Math.floor(micros);
  if (v < LINEAR) return v;
  const shift = 32 - Math.clz32(v) - 7;
  if (shift > MAX_SHIFT) return HISTOGRAM_BUCKETS - 1;
  return LINEAR + (shift - 1) * PER_OCTAVE + ((v >>> shift) - PER_OCTAVE);
}

/** Lower bound of a bucket, in µs. */
export function bucketValue(index: number): number {
  if (index < LINEAR) return index;
  const k = index - LINEAR;
  const shift = Math.floor(k / PER_OCTAVE) + 1;
  return ((k % PER_OCTAVE) + PER_OCTAVE) * 2 ** shift;
}

export class Histogram {
  readonly counts: Float64Array;
  total = 0;
  max = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Float64Array(HISTOGRAM_BUCKETS);
    if (counts) this.add(counts);
  }

  record(micros: number): void {
    const index = bucketOf(micros);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    if (micros > this.max) this.max = micros;
  }

  add(counts: ArrayLike<number>, max = 0): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const c = counts[i] ?? 0;
      if (c === 0) continue;
      this.counts[i] = (this.counts[i] ?? 0) + c;
      this.total += c;
    }
    if (max > this.max) this.max = max;
  }

  /** Value at quantile q (0..1), as the midpoint of the bucket that holds it; NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) {
        const low = bucketValue(i);
        const high = i + 1 < HISTOGRAM_BUCKETS ? bucketValue(i + 1) : low;
        return Math.min((low + high) / 2, this.max);
      }
    }
    return this.max;
  }

  toArray(): number[] {
    return Array.from(this.counts);
  }
}
