/**
 * What one app-level subscriber saw of a room's seq stream: gaps (lost), repeats (duplicated)
 * and when it first got a message published after a given seq (caught up after a kill).
 * Pure, so the storm's accounting is unit-tested apart from sockets.
 */
export class SeqAccount {
  first: number | undefined;
  last: number | undefined;
  gaps = 0;
  duplicated = 0;
  /** µs of CLOCK_MONOTONIC of the first delivery of a message published after the client's drop. */
  caughtUpAt: number | undefined;

  /** `afterDrop`: the message was published after this client saw its connection drop. */
  record(seq: number, nowMicros: number, afterDrop: boolean): void {
    if (this.last === undefined) {
      this.first = seq;
      this.last = seq;
    } else if (seq <= this.last) {
      this.duplicated++;
      return;
    } else {
      this.gaps += seq - this.last - 1;
      this.last = seq;
    }
    if (afterDrop && this.caughtUpAt === undefined) this.caughtUpAt = nowMicros;
  }

  /** Deliveries missing up to `finalSeq` (the last acknowledged publish): gaps plus the tail not yet seen. */
  lost(finalSeq: number): number {
    if (this.last === undefined) return 0;
    return this.gaps + Math.max(0, finalSeq - this.last);
  }
}

export interface StormTally {
  clients: number;
  /** Clients that never received a message (their loss cannot be attributed). */
  silent: number;
  lost: number;
  duplicated: number;
  /** Clients at or past `finalSeq`. */
  complete: number;
  /** Clients that received a message published after their connection dropped. */
  caughtUp: number;
  /** Latest caught-up time over the clients that caught up, µs of CLOCK_MONOTONIC. */
  lastCaughtUpAt: number | null;
}

export function tally(accounts: SeqAccount[], finalSeq: number): StormTally {
  const out: StormTally = {
    clients: accounts.length,
    silent: 0,
    lost: 0,
    duplicated: 0,
    complete: 0,
    caughtUp: 0,
    lastCaughtUpAt: null,
  };
  for (const a of accounts) {
    if (a.last === undefined) out.silent++;
    out.lost += a.lost(finalSeq);
    out.duplicated += a.duplicated;
    if (a.last !== undefined && a.last >= finalSeq) out.complete++;
    if (a.caughtUpAt !== undefined) {
      out.caughtUp++;
      out.lastCaughtUpAt = Math.max(out.lastCaughtUpAt ?? 0, a.caughtUpAt);
    }
  }
  return out;
}

/** Sums the tallies of several worker processes. */
export function mergeTallies(parts: StormTally[]): StormTally {
  const out = tally([], 0);
  for (const p of parts) {
    out.clients += p.clients;
    out.silent += p.silent;
    out.lost += p.lost;
    out.duplicated += p.duplicated;
    out.complete += p.complete;
    out.caughtUp += p.caughtUp;
    if (p.lastCaughtUpAt !== null) out.lastCaughtUpAt = Math.max(out.lastCaughtUpAt ?? 0, p.lastCaughtUpAt);
  }
  return out;
}
