/**
 * What one app-level subscriber saw of its room's seq stream across a gateway kill: gaps (lost),
 * repeats (duplicated), whether its reconnect resumed the connection, and when it had caught up.
 * Pure, so the storm's accounting is unit-tested apart from sockets. Times are µs of
 * CLOCK_MONOTONIC, which every process on the machine shares.
 */
export class SeqAccount {
  last: number | undefined;
  gaps = 0;
  duplicated = 0;
  /** When the client saw its connection drop, and when a later connection was acknowledged. */
  droppedAt: number | undefined;
  reconnectedAt: number | undefined;
  /** The reconnect kept the connectionId (resumed) or opened a new session. */
  resumed: boolean | undefined;
  /** Latest arrival of a message published before the reconnect (the replay's tail). */
  private lastOldArrival: number | undefined;

  /** `publishedAt`: the publisher's send time carried in the message. */
  record(seq: number, publishedAt: number, arrivedAt: number): void {
    if (this.last !== undefined && seq <= this.last) {
      this.duplicated++;
      return;
    }
    if (this.last !== undefined) this.gaps += seq - this.last - 1;
    this.last = seq;
    // Messages that arrive before the reconnect are all older than it; keep only what came after.
    if (
      this.droppedAt !== undefined &&
      (this.reconnectedAt === undefined || publishedAt < this.reconnectedAt)
    )
      this.lastOldArrival = Math.max(this.lastOldArrival ?? 0, arrivedAt);
  }

  dropped(at: number): void {
    this.droppedAt ??= at;
  }

  /** A connection acknowledged after the drop; the last one counts (a client may need several tries). */
  reconnected(at: number, resumed: boolean): void {
    if (this.droppedAt === undefined) return;
    this.reconnectedAt = at;
    this.resumed = resumed;
  }

  /** Deliveries missing up to `finalSeq` (the room's last acknowledged publish): gaps plus the tail not seen. */
  lost(finalSeq: number): number {
    return this.gaps + Math.max(0, finalSeq - (this.last ?? 0));
  }

  /**
   * When the client was caught up: back on a connection and holding every message published
   * before that connection was acknowledged (the reconnect itself if nothing was missed, else the
   * arrival of the replay's last message). Undefined while it lacks anything up to `finalSeq`.
   */
  caughtUpAt(finalSeq: number): number | undefined {
    if (this.reconnectedAt === undefined || this.lost(finalSeq) > 0) return undefined;
    return Math.max(this.reconnectedAt, this.lastOldArrival ?? 0);
  }
}

export interface StormTally {
  clients: number;
  lost: number;
  duplicated: number;
  /** Reconnects that kept their connectionId, and those that fell back to a new session. */
  resumed: number;
  newSession: number;
  /** Clients holding every message up to their room's final seq, reconnected. */
  complete: number;
  /** Per complete client: ms from `killedAt` to its catch-up. */
  catchUpMs: number[];
  /** Per reconnected client: ms from `killedAt` to the acknowledgement of its new connection. */
  reconnectMs: number[];
}

/** `finalSeqs[room]`: the room's last acknowledged seq. */
export function tally(
  accounts: { room: string; account: SeqAccount }[],
  finalSeqs: Record<string, number>,
  killedAt: number,
): StormTally {
  const out: StormTally = {
    clients: accounts.length,
    lost: 0,
    duplicated: 0,
    resumed: 0,
    newSession: 0,
    complete: 0,
    catchUpMs: [],
    reconnectMs: [],
  };
  for (const { room, account: a } of accounts) {
    const finalSeq = finalSeqs[room] ?? 0;
    out.lost += a.lost(finalSeq);
    out.duplicated += a.duplicated;
    if (a.resumed === true) out.resumed++;
    if (a.resumed === false) out.newSession++;
    if (a.reconnectedAt !== undefined) out.reconnectMs.push((a.reconnectedAt - killedAt) / 1000);
    const at = a.caughtUpAt(finalSeq);
    if (at !== undefined) {
      out.complete++;
      out.catchUpMs.push((at - killedAt) / 1000);
    }
  }
  return out;
}

/** Sums the tallies of several worker processes. */
export function mergeTallies(parts: StormTally[]): StormTally {
  const out = tally([], {}, 0);
  for (const p of parts) {
    out.clients += p.clients;
    out.lost += p.lost;
    out.duplicated += p.duplicated;
    out.resumed += p.resumed;
    out.newSession += p.newSession;
    out.complete += p.complete;
    out.catchUpMs.push(...p.catchUpMs);
    out.reconnectMs.push(...p.reconnectMs);
  }
  return out;
}

/** The q-quantile (nearest rank) of `values`; null when empty. */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
