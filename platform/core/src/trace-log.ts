import type { TraceEvent } from '@relaybox/protocol';

export { TRACE_EVENT_TYPES, type TraceEvent, type TraceEventType } from '@relaybox/protocol';

/** Filters of `TraceLog.query`; every given field must match. */
export interface TraceQuery {
  appId?: string;
  room?: string;
  messageId?: string;
  /** At most this many events (the newest matching ones), 1..10,000. Default 500. */
  limit?: number;
}

export type TraceListener = (event: TraceEvent) => void;

/**
 * The cluster's shared, capped log of trace events.
 *
 * Guarantees:
 * - `append` takes a batch (the gateway buffers events and appends every few tens of ms: never one
 *   round trip per event). Events of one batch keep their order; batches of different gateways
 *   interleave in the order the log received them.
 * - The log keeps about the last `capacity` events (an implementation option, default 10,000) for the
 *   whole cluster; older ones are dropped. Memory is bounded by that capacity.
 * - `query` returns the newest `limit` events matching the filter, oldest first. It reads at most the
 *   retained events: O(capacity).
 * - `follow` calls the listener with every event appended by any gateway after the call, in log
 *   order, until the returned function is called. A listener that throws does not stop others.
 *   Followers that fall behind (a store outage) may miss events; the log never blocks appends for them.
 *
 * `append` and `query` reject with a retryable `RelayBoxError(store_unavailable)` when the store
 * cannot be reached or after `close()`.
 */
export interface TraceLog {
  append(events: readonly TraceEvent[]): Promise<void>;
  query(query: TraceQuery): Promise<TraceEvent[]>;
  follow(listener: TraceListener): () => void;
  close(): Promise<void>;
}

export const TRACE_QUERY_DEFAULT_LIMIT = 500;
export const TRACE_QUERY_MAX_LIMIT = 10_000;

/** True when the event passes every filter of the query. */
export function traceMatches(event: TraceEvent, query: TraceQuery): boolean {
  return (
    (query.appId === undefined || event.appId === query.appId) &&
    (query.room === undefined || event.room === query.room) &&
    (query.messageId === undefined || event.messageId === query.messageId)
  );
}

/** The query's limit, clamped to 1..TRACE_QUERY_MAX_LIMIT. */
export function traceLimit(query: TraceQuery): number {
  const limit = query.limit ?? TRACE_QUERY_DEFAULT_LIMIT;
  return Math.min(TRACE_QUERY_MAX_LIMIT, Math.max(1, Math.floor(limit)));
}

/** Newest `limit` matching events of `events` (oldest first in, oldest first out). */
export function selectTraces(events: readonly TraceEvent[], query: TraceQuery): TraceEvent[] {
  const limit = traceLimit(query);
  const out: TraceEvent[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
    const event = events[i] as TraceEvent;
    if (traceMatches(event, query)) out.push(event);
  }
  return out.reverse();
}
