import type { ClientFrame } from '@relaybox/protocol';

/** A `history` request costs 1 plus 1 per this many items asked for (21 for 1,000). */
const HISTORY_ITEMS_PER_UNIT = 50;
/** A `presence.get` reads every member of a room: priced like a 200-item history page. */
const PRESENCE_GET_COST = 5;
/** A `subscribe` with `fromSeq` replays history: priced like a full (1,000-item) page. */
const REPLAY_COST = 21;

/**
 * What one frame draws from its connection's budget (`requestCostPerSecond`/`requestCostBurst`):
 * 0 for `publish`, which draws from its own bucket (`publishRatePerSecond`/`publishBurst`), 1 for
 * a frame the gateway answers from memory or with one small write (ping, join, presence enter...),
 * more for reads whose work grows with their size: a `history` page costs 1 + 1 per 50 items
 * asked for (21 for 1,000), `presence.get` 5, `subscribe` 2 (it reads the room's latest seq and
 * may bind the room), 21 with `fromSeq` (a replay).
 */
export function requestCost(frame: ClientFrame): number {
  switch (frame.type) {
    case 'publish':
      return 0;
    case 'history':
      return 1 + Math.ceil((frame.query.limit ?? 100) / HISTORY_ITEMS_PER_UNIT);
    case 'presence.get':
      return PRESENCE_GET_COST;
    case 'subscribe':
      return frame.fromSeq === undefined ? 2 : REPLAY_COST;
    default:
      return 1;
  }
}
