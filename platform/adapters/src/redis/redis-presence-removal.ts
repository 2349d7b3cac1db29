import { randomBytes } from 'node:crypto';
import type { PresenceMember, PresenceRemoval } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import {
  presenceConnectionKey,
  presenceGatewayKey,
  presenceGatewaysKey,
  presenceOwnerKey,
  presenceRemovingKey,
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

export interface PresenceRemovalCommands {
  relayboxPresenceIndexTake(...args: string[]): Promise<Reply>;
  relayboxPresenceRoomRemove(...args: string[]): Promise<Reply>;
  relayboxPresenceIndexDone(...args: string[]): Promise<number>;
}

export interface PresenceRemovalContext {
  redis: RedisClient & PresenceRemovalCommands;
  prefix: string;
  batchSize: number;
}

/**
 * Removes a connection's memberships in batches, each in three steps that touch one slot each:
 * presence-index-take.lua takes up to `batchSize` memberships out of the connection's index (the
 * `{presence-index}` slot), presence-room-remove.lua removes each member from its room (the room's slot,
 * only while it carries the taken token), presence-index-done.lua drops the batch. With
 * `onlyIfGateway`, only while the connection belongs to that gateway (its stale reference there is
 * dropped otherwise). Each step is atomic; the whole removal is not.
 */
export async function removeMemberships(
  ctx: PresenceRemovalContext,
  appId: string,
  connectionId: string,
  onlyIfGateway: string | undefined,
): Promise<PresenceRemoval[]> {
  const { redis, prefix: p, batchSize } = ctx;
  const roomsKey = presenceConnectionKey(p, appId, connectionId);
  const removingKey = presenceRemovingKey(p, appId, connectionId);
  const ownerKey = presenceOwnerKey(p, appId, connectionId);
  const removed: PresenceRemoval[] = [];
  for (let status = 0, moves = 0; status !== 1; ) {
    const owner = onlyIfGateway ?? (await redis.get(ownerKey)) ?? '';
    const reply = await redis.relayboxPresenceIndexTake(
      roomsKey,
      removingKey,
      ownerKey,
      presenceGatewaysKey(p),
      presenceGatewayKey(p, owner),
      `${appId}:${connectionId}`,
      onlyIfGateway === undefined ? '0' : '1',
      owner,
      String(batchSize),
    );
    status = Number(reply[0]);
    if (status === MOVED && ++moves >= MOVE_ATTEMPTS) throw movedTooOften(connectionId);
    const batch = reply.slice(1).map(String);
    if (batch.length === 0) continue;
    const members = await Promise.all(
      pairs(batch).map(([room, token]) =>
        redis.relayboxPresenceRoomRemove(presenceRoomKey(p, appId, room), connectionId, token),
      ),
    );
    pairs(batch).forEach(([room], i) => {
      const member = members[i]!;
      if (Number(member[0]) === 1)
        removed.push({ appId, room, member: parseMember(connectionId, String(member[1])) });
    });
    await redis.relayboxPresenceIndexDone(removingKey, ...batch);
  }
  return removed;
}

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/** A fresh membership token: 48 random bits as digits (the scripts match `%d+`). */
export function membershipToken(): string {
  return String(randomBytes(6).readUIntBE(0, 6));
}

export function movedTooOften(connectionId: string): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.StoreUnavailable,
    `${STORE}: connection ${connectionId} moved between gateways ${MOVE_ATTEMPTS} times during one call`,
  );
}

/** The token of a stored value, `<enteredAt>|<token>|<json>` (presence-room-set.lua). */
export function memberToken(value: string): string {
  const first = value.indexOf('|');
  return value.slice(first + 1, value.indexOf('|', first + 1));
}

/** Reads a stored value, `<enteredAt>|<token>|<json {c, d, u, v?}>` (presence-room-set.lua; v: the vouched user). */
export function parseMember(connectionId: string, value: string): PresenceMember {
  const first = value.indexOf('|');
  const second = value.indexOf('|', first + 1);
  const rest = JSON.parse(value.slice(second + 1)) as {
    c: string;
    d: unknown;
    u: number;
    v?: PresenceMember['user'];
  };
  return {
    clientId: rest.c,
    connectionId,
    data: rest.d,
    enteredAt: Number(value.slice(0, first)),
    updatedAt: rest.u,
    ...(rest.v ? { user: rest.v } : {}),
  };
}
