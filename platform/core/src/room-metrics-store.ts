/**
 * What one gateway saw of one room during one flush interval. Counts cover the interval; the two
 * gauges (`subscribers`, `connections`) are this gateway's figures at the end of it.
 */
export interface RoomSample {
  appId: string;
  room: string;
  /** Messages published into the room through this gateway (WebSocket and REST), duplicates excluded. */
  messagesIn: number;
  /** Deliveries to this gateway's subscribers: one per local subscriber per message. */
  messagesOut: number;
  /** Payload bytes of `messagesIn`. */
  bytesIn: number;
  /** Payload bytes of `messagesOut` (payload size × deliveries). */
  bytesOut: number;
  /** This gateway's connections subscribed to the room's messages. */
  subscribers: number;
  /** This gateway's connections that joined the room. */
  connections: number;
}

/** A room's cluster-wide figures: sums over every gateway whose figures are fresh. */
export interface RoomMetrics {
  room: string;
  connections: number;
  subscribers: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  /** When the figures were read (ms since the epoch, the reader's clock). */
  timestamp: number;
}

/**
 * Per-room figures of every gateway, shared by the cluster: each gateway counts in memory and flushes
 * what it saw once per interval (one `flush` call per interval, never one per message).
 *
 * Guarantees:
 * - `flush` replaces (never adds to) the gateway's figures of each room it names: counts become
 *   per-second rates (`count / intervalMs × 1000`) and the gauges are taken as they are. A sample
 *   whose six numbers are all 0 removes the gateway's figures of that room at once (a gateway sends
 *   one such sample when a room goes quiet, and one per room when it stops). Rooms the flush does
 *   not name keep their figures until they go stale.
 * - Figures are fresh for `ttlMs` (an implementation option, a few seconds) after the flush that
 *   wrote them; `read` ignores stale figures, so a gateway that stops reporting (crashed, cut off)
 *   drops out of the sums within `ttlMs`. Stale figures are deleted in the background, in bounded
 *   work. Freshness compares the writer's and the reader's clocks: gateways' clocks must agree to
 *   well within `ttlMs` (NTP).
 * - `read` sums the fresh figures of every gateway; a room nobody reported reads all zero. Rates
 *   are rounded to two decimals. O(gateways reporting the room); never a scan of rooms.
 * - `flush` is O(samples): the caller names only rooms with activity, subscribers or connections
 *   (plus the one all-zero sample when a room goes quiet), never every room it ever saw.
 * - Apps are isolated: the same room name in two apps never meets.
 *
 * Rejects with a retryable `RelayBoxError(store_unavailable)` when the store cannot be reached or
 * after `close()`.
 */
export interface RoomMetricsStore {
  /** Writes this gateway's figures of the named rooms, counted over the last `intervalMs` (> 0). */
  flush(gatewayId: string, samples: readonly RoomSample[], intervalMs: number): Promise<void>;
  read(appId: string, room: string): Promise<RoomMetrics>;
  close(): Promise<void>;
}

/** One gateway's figures of one room as stored: per-second rates and gauges, stamped by the writer. */
export interface RoomFigures {
  flushedAt: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  subscribers: number;
  connections: number;
}

/** True when the sample carries nothing: it removes the gateway's figures of the room. */
export function isEmptySample(s: RoomSample): boolean {
  return (
    s.messagesIn === 0 &&
    s.messagesOut === 0 &&
    s.bytesIn === 0 &&
    s.bytesOut === 0 &&
    s.subscribers === 0 &&
    s.connections === 0
  );
}

/** The figures a sample stands for, counted over `intervalMs` and flushed at `flushedAt`. */
export function sampleFigures(s: RoomSample, intervalMs: number, flushedAt: number): RoomFigures {
  const perSecond = 1000 / Math.max(1, intervalMs);
  return {
    flushedAt,
    messagesInPerSecond: s.messagesIn * perSecond,
    messagesOutPerSecond: s.messagesOut * perSecond,
    bytesInPerSecond: s.bytesIn * perSecond,
    bytesOutPerSecond: s.bytesOut * perSecond,
    subscribers: s.subscribers,
    connections: s.connections,
  };
}

/** Sums the figures fresh at `now` (flushed less than `ttlMs` ago) into a room's cluster-wide metrics. */
export function sumRoomFigures(
  room: string,
  figures: Iterable<RoomFigures>,
  now: number,
  ttlMs: number,
): RoomMetrics {
  const sum: RoomMetrics = {
    room,
    connections: 0,
    subscribers: 0,
    messagesInPerSecond: 0,
    messagesOutPerSecond: 0,
    bytesInPerSecond: 0,
    bytesOutPerSecond: 0,
    timestamp: now,
  };
  for (const f of figures) {
    if (now - f.flushedAt >= ttlMs) continue;
    sum.connections += f.connections;
    sum.subscribers += f.subscribers;
    sum.messagesInPerSecond += f.messagesInPerSecond;
    sum.messagesOutPerSecond += f.messagesOutPerSecond;
    sum.bytesInPerSecond += f.bytesInPerSecond;
    sum.bytesOutPerSecond += f.bytesOutPerSecond;
  }
  sum.messagesInPerSecond = round2(sum.messagesInPerSecond);
  sum.messagesOutPerSecond = round2(sum.messagesOutPerSecond);
  sum.bytesInPerSecond = round2(sum.bytesInPerSecond);
  sum.bytesOutPerSecond = round2(sum.bytesOutPerSecond);
  return sum;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
