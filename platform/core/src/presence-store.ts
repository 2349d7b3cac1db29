/** What a connection puts into a room's presence. `data` is any JSON value; the gateway bounds its size. */
export interface PresenceEntry {
  clientId: string;
  connectionId: string;
  /** JSON-serializable; `undefined` is stored as `null`. */
  data: unknown;
  /** Who the client is, vouched for by the server (auth service or identity provider token), never by the client. */
  user?: PresenceUser;
}

/** The server-vouched identity of a presence member (the access token's `user` claim). */
export interface PresenceUser {
  id: string;
  name: string | null;
  avatar: string | null;
}

/** One member of a room's presence: one connection (a client with two connections is two members). */
export interface PresenceMember {
  clientId: string;
  connectionId: string;
  data: unknown;
  /** ms since epoch, set by the first enter and kept by every update. */
  enteredAt: number;
  /** ms since epoch of the last enter or update. */
  updatedAt: number;
  /** Present only for members whose connection was opened with a user token (`PresenceEntry.user`). */
  user?: PresenceUser;
}

export type PresenceAction = 'enter' | 'update' | 'leave';

/** A change that really happened: the gateway broadcasts exactly one presence event per change. */
export interface PresenceChange {
  action: PresenceAction;
  /** The member after the change; for `leave`, the member as it was when it left. */
  member: PresenceMember;
}

/** A membership taken away by `removeConnection` / `removeGateway`: broadcast a `leave` for each. */
export interface PresenceRemoval {
  appId: string;
  room: string;
  member: PresenceMember;
}

/**
 * Who is present in each room, per connection, shared by every gateway.
 *
 * Guarantees:
 * - `enter`, `update` and `leave` each change the room's members atomically (readers of the room see
 *   the member before or after, never in between) and report whether they changed anything, so the
 *   caller broadcasts one event per real change: `enter` of an absent member is an `enter`, of a
 *   present one an `update` (its `enteredAt` kept); `update` of an absent member and `leave` of an
 *   absent member change nothing and resolve `null`.
 * - `enter`, `update`, `leave`, `moveConnection` and `count` calls made by one store take effect and
 *   resolve in the order they were made, so the results for one member form the sequence of its
 *   events (a gateway serializes a connection's presence frames through one store).
 * - `members` returns every member of the room, read in bounded batches (never capped): O(members).
 *   It is not a snapshot: a member present during the whole read is returned exactly once; one that
 *   enters or leaves meanwhile may or may not be. `count` is O(1).
 * - Every membership belongs to its connection and the connection to one gateway (the last one that
 *   entered, updated or `moveConnection`ed it). `removeConnection` and `removeGateway` remove every
 *   membership of a connection / of a gateway's connections, through per-connection and per-gateway
 *   indexes (never a scan of every room), in bounded batches looped until nothing is left (each
 *   membership removed atomically; a batch a crashed caller left half done is finished by the next
 *   removal), and return what they removed. A membership is returned by at most one removal or
 *   `leave`, and a removal never removes a membership entered again after the removal started.
 * - Apps are isolated: the same room name or connection id in two apps never meet.
 * - Nothing expires by itself: a dead gateway's members stay until someone calls `removeGateway`
 *   (the gateways' sweeper, driven by `SessionStore.deadGateways`).
 *
 * Rejects with a retryable `RelayBoxError(store_unavailable)` when the store cannot be reached or
 * after `close()`.
 */
export interface PresenceStore {
  /** Enters the connection into the room, or updates it when present (re-entering is an update). */
  enter(appId: string, room: string, entry: PresenceEntry, gatewayId: string): Promise<PresenceChange>;
  /** Updates a present member's data; `null` (nothing changed) when the connection is not present. */
  update(
    appId: string,
    room: string,
    entry: PresenceEntry,
    gatewayId: string,
  ): Promise<PresenceChange | null>;
  /** Removes the connection from the room; `null` when it was not present. */
  leave(appId: string, room: string, connectionId: string): Promise<PresenceChange | null>;
  /** Every member of the room, in no particular order. */
  members(appId: string, room: string): Promise<PresenceMember[]>;
  count(appId: string, room: string): Promise<number>;
  /**
   * Hands every membership of a connection to `gatewayId` without any presence change (a resumed
   * connection): a later `removeGateway` of the old gateway leaves it alone. Resolves the number of
   * rooms the connection is present in (0: nothing to move).
   */
  moveConnection(appId: string, connectionId: string, gatewayId: string): Promise<number>;
  /**
   * Removes every membership of the connection. With `onlyIfGateway`, removes nothing once the
   * connection belongs to another gateway (a connection resumed elsewhere during the leave grace).
   */
  removeConnection(
    appId: string,
    connectionId: string,
    options?: { onlyIfGateway?: string },
  ): Promise<PresenceRemoval[]>;
  /** Removes every membership of every connection that belongs to the (dead) gateway. */
  removeGateway(gatewayId: string): Promise<PresenceRemoval[]>;
  /** Gateways that hold at least one membership: candidates for `SessionStore.deadGateways`. */
  gateways(): Promise<string[]>;
  close(): Promise<void>;
}
