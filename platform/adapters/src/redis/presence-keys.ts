/**
 * Redis keys of presence. The room hash carries the room's hash tag `{<appId>:<room>}` like every
 * other key of a room (see room-keys.ts); the appId never contains `:`, so `<appId>:<id>` pairs are
 * unambiguous. The Lua scripts derive the same names from the prefix (see presence-*.lua headers):
 * change both together.
 */

/** Hash of a room's members: connectionId → `<enteredAt>|<json {c: clientId, d: data, u: updatedAt}>`. */
export function presenceRoomKey(prefix: string, appId: string, room: string): string {
  return `${prefix}{${appId}:${room}}:presence`;
}

/** Set of the rooms a connection is present in. */
export function presenceConnectionKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}presence:conn:${appId}:${connectionId}`;
}

/** String: the gateway a connection's memberships belong to. */
export function presenceOwnerKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}presence:owner:${appId}:${connectionId}`;
}

/** Set of `<appId>:<connectionId>` of the connections a gateway holds memberships of. */
export function presenceGatewayKey(prefix: string, gatewayId: string): string {
  return `${prefix}presence:gw:${gatewayId}`;
}

/** Set of the gateways that hold at least one membership. */
export function presenceGatewaysKey(prefix: string): string {
  return `${prefix}presence:gateways`;
}
