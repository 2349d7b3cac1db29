/** Delivered seqs kept above the floor before the lowest gap is given up (see `SeqTracker`). */
export const SEEN_WINDOW = 1_024;

/**
 * The seqs of one room's subscription that were delivered to the app, so each seq is delivered at
 * most once although live messages and a replay (`subscribe` with `fromSeq`) interleave and arrive
 * out of order. Every seq <= `floor` counts as delivered (or given up); `seen` holds the delivered
 * seqs above it. The floor advances over contiguous runs, so `seen` stays small; a gap that stays
 * open for `SEEN_WINDOW` deliveries is given up (history on the next reconnect may still fill it).
 *
 * The floor is unknown until the subscription's first ack gives the baseline (`latestSeq`), or the
 * socket drops (`settle`). Until then every new seq is delivered and remembered.
 */
export class SeqTracker {
  private floor: number | undefined;
  private readonly seen = new Set<number>();

  /** The last seq of the delivered prefix: a re-subscribe asks for `lastSeq + 1`. */
  get lastSeq(): number | undefined {
    return this.floor;
  }

  /** Records `seq`; false when it was delivered already (drop the message). */
  accept(seq: number): boolean {
    if ((this.floor !== undefined && seq <= this.floor) || this.seen.has(seq)) return false;
    this.seen.add(seq);
    this.advance();
    return true;
  }

  /**
   * The subscribe ack's `latestSeq`: every later seq reaches this subscription live. Only the first
   * baseline counts. Seqs already delivered below it stay delivered; a delivered seq above
   * `latestSeq + 1` leaves the seqs before it open (they are still on their way).
   */
  baseline(latestSeq: number): void {
    if (this.floor !== undefined) return;
    this.floor = Math.min(latestSeq, this.lowestSeen() - 1);
    this.compact();
  }

  /** A `discontinuity`: seqs below `oldestSeq` will never come. */
  skipTo(oldestSeq: number): void {
    this.floor = Math.max(this.floor ?? Number.NEGATIVE_INFINITY, oldestSeq - 1);
    this.compact();
  }

  /** The socket dropped before the baseline: what was delivered is where the replay starts. */
  settle(): void {
    if (this.floor === undefined && this.seen.size > 0) {
      this.floor = this.lowestSeen() - 1;
      this.compact();
    }
  }

  /** The app stopped listening: a later subscription starts afresh. */
  reset(): void {
    this.floor = undefined;
    this.seen.clear();
  }

  private lowestSeen(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const seq of this.seen) if (seq < lowest) lowest = seq;
    return lowest;
  }

  /** After the floor jumped: forgets what it covers, then advances. */
  private compact(): void {
    const { floor } = this;
    if (floor !== undefined) for (const seq of this.seen) if (seq <= floor) this.seen.delete(seq);
    this.advance();
  }

  /** Moves the floor over a contiguous run; gives up the lowest gap while `seen` is too large. */
  private advance(): void {
    if (this.floor === undefined) {
      if (this.seen.size <= SEEN_WINDOW) return;
      this.floor = this.lowestSeen() - 1;
    }
    for (;;) {
      while (this.seen.delete(this.floor + 1)) this.floor++;
      if (this.seen.size <= SEEN_WINDOW) return;
      this.floor = this.lowestSeen(); // give up the gap below the lowest delivered seq
      this.seen.delete(this.floor);
    }
  }
}
