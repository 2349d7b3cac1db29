import { Histogram } from '../histogram.js';
import { nowMicros, type PayloadFields } from '../payload.js';

/** What one load worker reports about the messages its subscribers received. */
export interface ReceiveReport {
  /** Deliveries whose receipt time fell inside the measurement window. */
  receivedInWindow: number;
  /** Per publisher: deliveries of messages *sent* inside the window (for loss), whenever they arrived. */
  perPublisher: number[];
  /** Deliveries of a seq not above the last one seen from that publisher on that connection. */
  outOfOrder: number;
  total: number;
  /** Latency of messages sent inside the window, µs buckets (see histogram.ts). */
  histogram: number[];
  maxLatencyMicros: number;
}

/**
 * Counts deliveries against a measurement window given in µs of CLOCK_MONOTONIC. Latency and
 * loss are attributed by send time (so a message still in flight at the window's end is counted
 * once the drain has let it arrive); throughput by receipt time.
 */
export class ReceiveStats {
  private windowStart = Number.POSITIVE_INFINITY;
  private windowEnd = Number.POSITIVE_INFINITY;
  private receivedInWindow = 0;
  private readonly perPublisher: number[] = [];
  private outOfOrder = 0;
  private total = 0;
  private readonly histogram = new Histogram();

  setWindow(start: number, end: number): void {
    this.windowStart = start;
    this.windowEnd = end;
  }

  /** `lastSeq` is the receiving connection's own per-publisher memory. */
  record(fields: PayloadFields, lastSeq: number[]): void {
    const now = nowMicros();
    this.total++;
    if (now >= this.windowStart && now < this.windowEnd) this.receivedInWindow++;
    const { t, p, s } = fields;
    if (t >= this.windowStart && t < this.windowEnd) {
      this.histogram.record(now - t);
      this.perPublisher[p] = (this.perPublisher[p] ?? 0) + 1;
    }
    const last = lastSeq[p];
    if (last !== undefined && s <= last) this.outOfOrder++;
    else lastSeq[p] = s;
  }

  report(): ReceiveReport {
    return {
      receivedInWindow: this.receivedInWindow,
      perPublisher: Array.from(this.perPublisher, (n) => n ?? 0),
      outOfOrder: this.outOfOrder,
      total: this.total,
      histogram: this.histogram.toArray(),
      maxLatencyMicros: this.histogram.max,
    };
  }
}
