import type { TraceEvent, TraceType } from '../../../lib/admin-types.js';

/**
 * Where each hop of a message sits in its causal chain: a message is received, stored, published,
 * then consumed and delivered by each gateway with subscribers; the ack to the publisher follows
 * the broker's confirm and has no order relative to other gateways' deliveries, so it goes last.
 */
const CAUSAL_RANK: Partial<Record<TraceType, number>> = {
  'message.received': 0,
  'message.stored': 1,
  'message.published': 2,
  'message.consumed': 3,
  'message.delivered': 4,
  'message.acked': 5,
};
const UNKNOWN_RANK = 6;

const rankOf = (event: TraceEvent) => CAUSAL_RANK[event.type] ?? UNKNOWN_RANK;

/**
 * A message's hops in timeline order: by time, and within the same millisecond (timestamps are
 * whole ms, so hops often share one) by causality, then by gateway and id so the order is stable
 * across refreshes. Events of different ms keep their clock order even when it is not causal (the
 * embedded broker delivers before its confirm resolves; gateways' clocks differ).
 */
export function orderHops(events: readonly TraceEvent[]): TraceEvent[] {
  return [...events].sort(
    (a, b) =>
      a.ts - b.ts || rankOf(a) - rankOf(b) || a.gateway.localeCompare(b.gateway) || a.id.localeCompare(b.id),
  );
}
