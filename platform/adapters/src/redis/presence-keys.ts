import { roomKeys } from './room-keys.js';

/**
 * Redis keys of presence, in two kinds of slots (Redis Cluster):
 * - a room's members live with the rest of the room, under its hash tag `{<appId>:<room>}`
 *   (room-keys.ts), so rooms' presence spreads over the primaries like their history;
 * - the indexes that span rooms (a connection's rooms, its gateway, a gateway's connections, the
 *   gateways) share the hash tag `{presence-index}`: a membership moves between gateways in one
 *   atomic script over them.
 * No script touches both kinds: an enter writes the index, then the member, then re-checks the
 * index entry (a sweep may have taken it in between); a leave removes the
 * member, then its index entry; a removal takes index entries, then removes their members. Each
 * membership carries a token (index entry and member alike), so a removal never deletes a member
 * entered again after it took the index entry (see the presence-*.lua headers). The appId never
 * contains `:`, so `<appId>:<id>` pairs are unambiguous. Versions up to 0.1.0 kept every presence
 * key under `{presence}`: the new names share no key with them, so old and new gateways running side
 * by side during an upgrade never sweep each other's memberships.
 */

/** Hash of a room's members: connectionId → `<enteredAt>|<token>|<json {c: clientId, d: data, u: updatedAt}>`. */
export function presenceRoomKey(prefix: string, appId: string, room: string): string {
  return roomKeys(prefix, appId, room).presence;
}

/** Hash of the rooms a connection is present in: room → the membership's token. */
export function presenceConnectionKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}{presence-index}:conn:${appId}:${connectionId}`;
}

/** Hash room → token of a connection's memberships a removal took out of its rooms and is removing. */
export function presenceRemovingKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}{presence-index}:removing:${appId}:${connectionId}`;
}

/** String: the gateway a connection's memberships belong to. */
export function presenceOwnerKey(prefix: string, appId: string, connectionId: string): string {
  return `${prefix}{presence-index}:owner:${appId}:${connectionId}`;
}

/** Set of `<appId>:<connectionId>` of the connections a gateway holds memberships of. */
export function presenceGatewayKey(prefix: string, gatewayId: string): string {
  return `${prefix}{presence-index}:gw:${gatewayId}`;
}

/** Set of the gateways that hold at least one membership. */
export function presenceGatewaysKey(prefix: string): string {
  return `${prefix}{presence-index}:gateways`;
}
