/**
 * Assigns each room message its per-room sequence number.
 *
 * Guarantees: for one (appId, room), `next` returns 1, 2, 3, ... with no gap and no repeat, across
 * every gateway sharing the store, in the order the calls reach the store. Rooms of different apps
 * never share a counter. Calls from one caller resolve in the order they were made.
 * Rejects with a retryable `RelayBoxError(store_unavailable)` when the store cannot be reached.
 */
export interface SequenceStore {
  next(appId: string, room: string): Promise<number>;
  /** The last assigned seq of a room, 0 when none. */
  current(appId: string, room: string): Promise<number>;
  close(): Promise<void>;
}
