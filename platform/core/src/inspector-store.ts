import type { AdminConnection } from '@relaybox/protocol';

/** One connection as the inspector shows it; counters as of the gateway's last snapshot. */
export type ConnectionSnapshot = AdminConnection;

/** Connections of one gateway subscribed to a room's messages. */
export interface RoomSubscriberCount {
  appId: string;
  room: string;
  subscribers: number;
}

/** What one gateway reports about itself once per second. */
export interface NodeSnapshot {
  nodeId: string;
  /** ms since the epoch: when the gateway started, and when it wrote this snapshot. */
  startedAt: number;
  lastSeen: number;
  /** Its open connections; the list may be cut at the writer's bound, `connectionCount` never is. */
  connectionCount: number;
  connections: ConnectionSnapshot[];
  rooms: RoomSubscriberCount[];
}

/**
 * Every live gateway's latest snapshot, shared by the cluster, for the inspector's cluster-wide views.
 *
 * Guarantees:
 * - `write` replaces the gateway's previous snapshot (the gateway writes at most once per second);
 *   it costs O(size of the snapshot), one round trip.
 * - A snapshot is fresh for `ttlMs` (an implementation option, a few seconds) after its write;
 *   `readAll` returns only fresh snapshots, so a gateway that stops writing (crashed, cut off)
 *   disappears within `ttlMs`, and its snapshot is deleted (expired) without any sweep.
 *   Freshness uses the reader's and writer's clocks: they must agree to well within `ttlMs`.
 * - `remove` deletes the gateway's snapshot at once (a clean shutdown).
 * - `readAll` is O(gateways + their snapshots' size), ordered by nodeId.
 *
 * Rejects with a retryable `RelayBoxError(store_unavailable)` when the store cannot be reached or
 * after `close()`.
 */
export interface InspectorStore {
  write(snapshot: NodeSnapshot): Promise<void>;
  remove(nodeId: string): Promise<void>;
  readAll(): Promise<NodeSnapshot[]>;
  close(): Promise<void>;
}
