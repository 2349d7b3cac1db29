/**
 * Redis keys of presence. Every key carries the hash tag `{presence}`: entering a room moves the
 * connection's memberships between gateways' sets in the same atomic script that writes the room's
 * hash, so on a Redis Cluster all of them share one slot (presence lives on one primary; the rooms'
 * seq, history and metrics keep their own per-room slots, see room-keys.ts). The appId never contains
 * `:`, so `<appId>:<id>` pairs are unambiguous. The scripts receive every key in KEYS (see the
 * presence-*.lua headers); a key that depends on stored data is read first by the store.
 */

/** Hash of a room's members: connectionId → `<enteredAt>|<json {c: clientId, d: data, u: updatedAt}>`. */
export function presenceRoomKey(prefix: string, appId: string, room: string): string {
  return `${prefix}{presence}:room:${appId}:${room}`;
}

/** Set of the rooms a connection is present in. */
export function presenceConnectionKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}{presence}:conn:${appId}:${connectionId}`;
}

/** String: the gateway a connection's memberships belong to. */
export function presenceOwnerKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}{presence}:owner:${appId}:${connectionId}`;
}

/** Set of `<appId>:<connectionId>` of the connections a gateway holds memberships of. */
export function presenceGatewayKey(prefix: string, gatewayId: string): string {
  return `${prefix}{presence}:gw:${gatewayId}`;
}

/** Set of the gateways that hold at least one membership. */
export function presenceGatewaysKey(prefix: string): string {
  return `${prefix}{presence}:gateways`;
}
