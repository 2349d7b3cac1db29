import type { RoomMessage } from '@relaybox/protocol';
import { SeqTracker } from './seq-tracker.js';

/** How long a message waits for an earlier seq that is still on its way before that seq is given up. */
export const GAP_WAIT_MS = 200;

const bySeq = (a: RoomMessage, b: RoomMessage) => a.seq - b.seq;

/**
 * Hands a room's messages to the app each seq once and in seq order:
 * - during a catch-up (`subscribe` with `fromSeq`) everything is held until the replay's ack, then
 *   sorted: live messages overtake the replay but are not delivered before it;
 * - a live message whose seq is beyond the next expected one (a publisher on another gateway got
 *   an earlier seq that has not arrived yet) waits up to `gapWaitMs` for the missing seqs; then
 *   `recover` asks the server to replay from the first missing seq out of history (a message that
 *   was stored but never fanned out, or lost between gateways while the broker reconnected, is in
 *   history); a gap still open after that, at the same place (the replay failed), is given up and
 *   reported through `gaveUp`, never skipped silently;
 * - repeats are dropped (`SeqTracker`).
 * Before the first baseline (the subscribe ack's `latestSeq`) there is no expected seq: messages go
 * straight through.
 */
export class OrderedDelivery {
  readonly seqs = new SeqTracker();
  private catchUp: RoomMessage[] | undefined;
  private gap: RoomMessage[] = [];
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  /** The floor a recovery was last asked from: a gap that outlives it there is given up. */
  private recoveredFrom: number | undefined;

  /**
   * `recover` re-subscribes from `seqs.lastSeq + 1` (a catch-up: `beginCatchUp` ... `endCatchUp`);
   * false when it cannot (no socket), and the gap is then given up at once.
   */
  constructor(
    private readonly emit: (message: RoomMessage) => void,
    private readonly gapWaitMs: number = GAP_WAIT_MS,
    private readonly recover: () => boolean = () => false,
    /** A gap given up: seqs from `fromSeq` to `nextSeq - 1` will not be delivered (the room reports a discontinuity). */
    private readonly gaveUp: (fromSeq: number, nextSeq: number) => void = () => {},
  ) {}

  push(message: RoomMessage): void {
    if (this.catchUp) this.catchUp.push(message);
    else this.order(message);
  }

  beginCatchUp(): void {
    this.catchUp ??= [];
  }

  /** The replay's ack (or its failure): deliver what was held, in seq order. */
  endCatchUp(): void {
    const held = this.catchUp;
    if (!held) return;
    this.catchUp = undefined;
    held.sort(bySeq);
    for (const message of held) this.order(message);
  }

  baseline(latestSeq: number): void {
    this.seqs.baseline(latestSeq);
    this.drainGap();
  }

  /** History no longer holds seqs below `oldestSeq`: stop waiting for them. */
  skipTo(oldestSeq: number): void {
    this.seqs.skipTo(oldestSeq);
    this.drainGap();
  }

  /**
   * The socket is gone. Held messages are dropped, not delivered: the reconnect re-subscribes
   * from the first undelivered seq, and the replay brings them back in order.
   */
  reset(): void {
    this.catchUp = undefined;
    this.gap = [];
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.recoveredFrom = undefined;
    this.seqs.settle();
  }

  /** The app stopped listening (or left): forget everything. */
  clear(): void {
    this.reset();
    this.seqs.reset();
  }

  private order(message: RoomMessage): void {
    const floor = this.seqs.lastSeq;
    if (floor !== undefined && Number.isSafeInteger(message.seq) && message.seq > floor + 1) {
      this.gap.push(message);
      this.gapTimer ??= setTimeout(() => this.giveUpGap(), this.gapWaitMs);
      return;
    }
    this.accept(message);
    this.drainGap();
  }

  private accept(message: RoomMessage): void {
    if (Number.isSafeInteger(message.seq) && !this.seqs.accept(message.seq)) return;
    this.emit(message);
  }

  private drainGap(): void {
    if (this.gap.length === 0) return;
    this.gap.sort(bySeq);
    while (this.gap.length > 0) {
      const floor = this.seqs.lastSeq;
      const next = this.gap[0]!;
      if (floor !== undefined && next.seq > floor + 1) break;
      this.gap.shift();
      this.accept(next);
    }
    if (this.gap.length === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  private giveUpGap(): void {
    this.gapTimer = undefined;
    if (this.gap.length === 0) return;
    const floor = this.seqs.lastSeq;
    if (floor !== this.recoveredFrom) {
      this.recoveredFrom = floor;
      if (this.recover()) return;
    }
    this.gap.sort(bySeq);
    const next = this.gap[0]!.seq;
    this.seqs.skipTo(next);
    if (floor !== undefined) this.gaveUp(floor + 1, next);
    this.drainGap();
  }
}
