import type { PresenceMember, PresenceRemoval } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import {
  presenceConnectionKey,
  presenceGatewayKey,
  presenceGatewaysKey,
  presenceOwnerKey,
  presenceRoomKey,
} from './presence-keys.js';
import type { RedisClient } from './redis-connection.js';

// The removal half of RedisPresenceStore and the reply conventions its scripts share.

export type Reply = (string | number)[];

/** A script's reply: the connection moved to another gateway between the read and the script. */
export const MOVED = -1;

/** Reads and scripts per call at most while the connection keeps moving between gateways. */
export const MOVE_ATTEMPTS = 10;

const STORE = 'presence store';

export interface PresenceRemovalContext {
  redis: RedisClient & { relayboxPresenceRemoveConnection(...args: string[]): Promise<Reply> };
  prefix: string;
  batchSize: number;
}

/**
 * Removes a connection's memberships in batches (presence-remove-connection.lua): each batch reads
 * up to `batchSize` of its rooms and the script removes them. With `onlyIfGateway`, only while the
 * connection belongs to that gateway (its stale reference there is dropped otherwise).
 */
export async function removeMemberships(
  ctx: PresenceRemovalContext,
  appId: string,
  connectionId: string,
  onlyIfGateway: string | undefined,
): Promise<PresenceRemoval[]> {
  const { redis, prefix: p, batchSize } = ctx;
  const roomsKey = presenceConnectionKey(p, appId, connectionId);
  const ownerKey = presenceOwnerKey(p, appId, connectionId);
  const removed: PresenceRemoval[] = [];
  for (let status = 0, moves = 0; status !== 1; ) {
    const owner = onlyIfGateway ?? (await redis.get(ownerKey)) ?? '';
    const rooms = (await redis.srandmember(roomsKey, batchSize)) as string[];
    const keys = [roomsKey, ownerKey, presenceGatewaysKey(p), presenceGatewayKey(p, owner)];
    keys.push(...rooms.map((room) => presenceRoomKey(p, appId, room)));
    const reply = await redis.relayboxPresenceRemoveConnection(
      String(keys.length),
      ...keys,
      `${appId}:${connectionId}`,
      connectionId,
      onlyIfGateway === undefined ? '0' : '1',
      owner,
      ...rooms,
    );
    status = Number(reply[0]);
    if (status === MOVED && ++moves >= MOVE_ATTEMPTS) throw movedTooOften(connectionId);
    for (let i = 1; i + 1 < reply.length; i += 2) {
      const member = parseMember(connectionId, String(reply[i + 1]));
      removed.push({ appId, room: String(reply[i]), member });
    }
  }
  return removed;
}

export function movedTooOften(connectionId: string): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.StoreUnavailable,
    `${STORE}: connection ${connectionId} moved between gateways ${MOVE_ATTEMPTS} times during one call`,
  );
}

/** Reads a stored value, `<enteredAt>|<json {c, d, u, v?}>` (presence-enter.lua; v: the vouched user). */
export function parseMember(connectionId: string, value: string): PresenceMember {
  const bar = value.indexOf('|');
  const rest = JSON.parse(value.slice(bar + 1)) as {
    c: string;
    d: unknown;
    u: number;
    v?: PresenceMember['user'];
  };
  return {
    clientId: rest.c,
    connectionId,
    data: rest.d,
    enteredAt: Number(value.slice(0, bar)),
    updatedAt: rest.u,
    ...(rest.v ? { user: rest.v } : {}),
  };
}
