import { nowMicros, payloadJson } from '../payload.js';
import type { BenchConnection } from './connection.js';

export interface PublishPlan {
  /** Aggregate rate over all publishers, messages per second. */
  rate: number;
  /** µs of CLOCK_MONOTONIC: first message due at `start`, sending stops at `end`. */
  start: number;
  end: number;
  windowStart: number;
  windowEnd: number;
  /** Bytes of JSON per message. */
  payloadBytes: number;
}

export interface PublishReport {
  /** Messages the schedule called for inside the window. */
  offeredInWindow: number;
  /** Per publisher: messages actually sent with a send time inside the window. */
  sentInWindow: number[];
  sentTotal: number;
  /** Messages dropped from the schedule because the sender fell more than MAX_BACKLOG behind. */
  skipped: number;
}

/** At most this many seconds of schedule are caught up at once; older due messages are skipped. */
const MAX_BACKLOG_SECONDS = 0.1;

/**
 * Open-loop fixed-rate sender: message i is due at start + i/rate (absolute times, so timer
 * lateness never accumulates into drift) and goes to publisher i mod n, each publisher
 * numbering its own messages 0, 1, 2... A late timer sends everything due at once; if it
 * is further behind than MAX_BACKLOG_SECONDS the excess is counted as skipped, not sent.
 */
export function runPublishers(
  publishers: { connection: BenchConnection; room: string }[],
  plan: PublishPlan,
): Promise<PublishReport> {
  const n = publishers.length;
  const intervalMicros = 1e6 / plan.rate;
  const totalDue = Math.ceil((plan.end - plan.start) / intervalMicros);
  const maxBacklog = Math.max(1, Math.ceil(plan.rate * MAX_BACKLOG_SECONDS));
  const seqs = new Array<number>(n).fill(0);
  const sentInWindow = new Array<number>(n).fill(0);
  let next = 0;
  let sentTotal = 0;
  let skipped = 0;

  return new Promise((resolve) => {
    const tick = (): void => {
      const now = nowMicros();
      const due = Math.min(totalDue, Math.floor((now - plan.start) / intervalMicros) + 1);
      if (due - next > maxBacklog) {
        skipped += due - next - maxBacklog;
        next = due - maxBacklog;
      }
      for (; next < due; next++) {
        const p = next % n;
        const publisher = publishers[p]!;
        const sentAt = nowMicros();
        publisher.connection.publish(publisher.room, payloadJson(sentAt, p, seqs[p]!, plan.payloadBytes));
        seqs[p]!++;
        sentTotal++;
        if (sentAt >= plan.windowStart && sentAt < plan.windowEnd) sentInWindow[p]!++;
      }
      if (next >= totalDue) {
        resolve({
          offeredInWindow: Math.round(((plan.windowEnd - plan.windowStart) * plan.rate) / 1e6),
          sentInWindow,
          sentTotal,
          skipped,
        });
        return;
      }
      const wait = (plan.start + next * intervalMicros - nowMicros()) / 1000;
      setTimeout(tick, Math.max(0, wait));
    };
    setTimeout(tick, Math.max(0, (plan.start - nowMicros()) / 1000));
  });
}
