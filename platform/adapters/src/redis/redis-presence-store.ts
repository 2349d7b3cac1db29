import type {
  PresenceChange,
  PresenceEntry,
  PresenceMember,
  PresenceRemoval,
  PresenceStore,
} from '@relaybox/core';
import {
  presenceConnectionKey,
  presenceGatewayKey,
  presenceGatewaysKey,
  presenceOwnerKey,
  presenceRoomKey,
} from './presence-keys.js';
import type { RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';

type Reply = (string | number)[];

interface PresenceCommands {
  relayboxPresenceEnter(...args: string[]): Promise<Reply>;
  relayboxPresenceLeave(...args: string[]): Promise<string | null>;
  relayboxPresenceMove(...args: string[]): Promise<number>;
  relayboxPresenceRemoveConnection(...args: string[]): Promise<Reply>;
  relayboxPresenceRemoveGateway(...args: string[]): Promise<Reply>;
}

const SCRIPTS = {
  relayboxPresenceEnter: { file: 'presence-enter.lua', keys: 5 },
  relayboxPresenceLeave: { file: 'presence-leave.lua', keys: 4 },
  relayboxPresenceMove: { file: 'presence-move-connection.lua', keys: 4 },
  relayboxPresenceRemoveConnection: { file: 'presence-remove-connection.lua', keys: 3 },
  relayboxPresenceRemoveGateway: { file: 'presence-remove-gateway.lua', keys: 2 },
};

const STORE = 'presence store';

export interface RedisPresenceStoreOptions extends RedisStateOptions {
  /** Memberships removed per atomic batch by removeConnection/removeGateway. Default 500. */
  batchSize?: number;
  /** Members read per HSCAN call by members(). Default 1000. */
  scanCount?: number;
  /** Stamps enteredAt/updatedAt. Default Date.now. */
  clock?: () => number;
}

/**
 * `PresenceStore` on Redis, one Lua script per atomic operation (lua/presence-*.lua).
 *
 * Layout (presence-keys.ts): per room a hash connectionId → member; per connection a set of its rooms
 * and its gateway; per gateway a set of its connections; one set of gateways holding memberships.
 * enter/update/leave/move are O(1); members O(members) in HSCAN batches; count O(1) (HLEN);
 * removeConnection O(its rooms) and removeGateway O(its memberships), in atomic batches of
 * `batchSize`. The scripts derive per-room and per-gateway key names from the prefix, so they need
 * one Redis primary, not a cluster.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: RedisClient & PresenceCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly scanCount: number;
  private readonly clock: () => number;
  private readonly fail = storeFailure(STORE);
  private closed = false;

  constructor(options: RedisPresenceStoreOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    this.batchSize = options.batchSize ?? 500;
    this.scanCount = options.scanCount ?? 1000;
    this.clock = options.clock ?? Date.now;
    const { redis, ownsClient } = openStateClient(options);
    defineScripts(redis, SCRIPTS);
    this.redis = redis as RedisClient & PresenceCommands;
    this.ownsClient = ownsClient;
  }

  enter(appId: string, room: string, entry: PresenceEntry, gatewayId: string): Promise<PresenceChange> {
    return this.set(appId, room, entry, gatewayId, false) as Promise<PresenceChange>;
  }

  update(
    appId: string,
    room: string,
    entry: PresenceEntry,
    gatewayId: string,
  ): Promise<PresenceChange | null> {
    return this.set(appId, room, entry, gatewayId, true);
  }

  leave(appId: string, room: string, connectionId: string): Promise<PresenceChange | null> {
    if (this.closed) return Promise.reject(closedStore(STORE));
    const p = this.prefix;
    return this.redis
      .relayboxPresenceLeave(
        presenceRoomKey(p, appId, room),
        presenceConnectionKey(p, appId, connectionId),
        presenceOwnerKey(p, appId, connectionId),
        presenceGatewaysKey(p),
        connectionId,
        room,
        `${appId}:${connectionId}`,
        p,
      )
      .then(
        (value) =>
          value === null ? null : { action: 'leave' as const, member: parseMember(connectionId, value) },
        this.fail,
      );
  }

  async members(appId: string, room: string): Promise<PresenceMember[]> {
    if (this.closed) throw closedStore(STORE);
    const key = presenceRoomKey(this.prefix, appId, room);
    // HSCAN may return a field twice while the hash is rehashed: keep one per connection.
    const found = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', this.scanCount).catch(this.fail);
      for (let i = 0; i + 1 < flat.length; i += 2) found.set(flat[i]!, flat[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    return [...found].map(([connectionId, value]) => parseMember(connectionId, value));
  }

  count(appId: string, room: string): Promise<number> {
    if (this.closed) return Promise.reject(closedStore(STORE));
    return this.redis.hlen(presenceRoomKey(this.prefix, appId, room)).catch(this.fail);
  }

  moveConnection(appId: string, connectionId: string, gatewayId: string): Promise<number> {
    if (this.closed) return Promise.reject(closedStore(STORE));
    const p = this.prefix;
    return this.redis
      .relayboxPresenceMove(
        presenceConnectionKey(p, appId, connectionId),
        presenceOwnerKey(p, appId, connectionId),
        presenceGatewayKey(p, gatewayId),
        presenceGatewaysKey(p),
        gatewayId,
        `${appId}:${connectionId}`,
        p,
      )
      .then(Number, this.fail);
  }

  async removeConnection(
    appId: string,
    connectionId: string,
    options: { onlyIfGateway?: string } = {},
  ): Promise<PresenceRemoval[]> {
    if (this.closed) throw closedStore(STORE);
    const p = this.prefix;
    const removed: PresenceRemoval[] = [];
    for (let done = false; !done; ) {
      const reply = await this.redis
        .relayboxPresenceRemoveConnection(
          presenceConnectionKey(p, appId, connectionId),
          presenceOwnerKey(p, appId, connectionId),
          presenceGatewaysKey(p),
          appId,
          connectionId,
          options.onlyIfGateway ?? '',
          String(this.batchSize),
          p,
        )
        .catch(this.fail);
      done = Number(reply[0]) === 1;
      for (let i = 1; i + 1 < reply.length; i += 2) {
        removed.push({
          appId,
          room: String(reply[i]),
          member: parseMember(connectionId, String(reply[i + 1])),
        });
      }
    }
    return removed;
  }

  async removeGateway(gatewayId: string): Promise<PresenceRemoval[]> {
    if (this.closed) throw closedStore(STORE);
    const p = this.prefix;
    const removed: PresenceRemoval[] = [];
    for (let done = false; !done; ) {
      const reply = await this.redis
        .relayboxPresenceRemoveGateway(
          presenceGatewayKey(p, gatewayId),
          presenceGatewaysKey(p),
          gatewayId,
          String(this.batchSize),
          p,
        )
        .catch(this.fail);
      done = Number(reply[0]) === 1;
      for (let i = 1; i + 3 < reply.length; i += 4) {
        const connectionId = String(reply[i + 2]);
        removed.push({
          appId: String(reply[i]),
          room: String(reply[i + 1]),
          member: parseMember(connectionId, String(reply[i + 3])),
        });
      }
    }
    return removed;
  }

  gateways(): Promise<string[]> {
    if (this.closed) return Promise.reject(closedStore(STORE));
    return this.redis.smembers(presenceGatewaysKey(this.prefix)).catch(this.fail);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeStateClient(this.redis, this.ownsClient);
  }

  /**
   * Not async, and one `.then` deep like leave/move/count: replies arrive in call order and their
   * promises must settle in that order too (an extra await would let a later leave settle first).
   */
  private set(
    appId: string,
    room: string,
    entry: PresenceEntry,
    gatewayId: string,
    updateOnly: boolean,
  ): Promise<PresenceChange | null> {
    if (this.closed) return Promise.reject(closedStore(STORE));
    const p = this.prefix;
    const { connectionId } = entry;
    const now = Math.trunc(this.clock());
    let rest: string;
    try {
      rest = JSON.stringify({ c: entry.clientId, d: entry.data ?? null, u: now });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.redis
      .relayboxPresenceEnter(
        presenceRoomKey(p, appId, room),
        presenceConnectionKey(p, appId, connectionId),
        presenceOwnerKey(p, appId, connectionId),
        presenceGatewayKey(p, gatewayId),
        presenceGatewaysKey(p),
        connectionId,
        room,
        updateOnly ? '1' : '0',
        String(now),
        rest,
        gatewayId,
        `${appId}:${connectionId}`,
        p,
      )
      .then((reply) => {
        const action = Number(reply[0]);
        if (action === 0) return null;
        return {
          action: action === 1 ? 'enter' : 'update',
          member: parseMember(connectionId, String(reply[1])),
        };
      }, this.fail);
  }
}

/** Reads a stored value, `<enteredAt>|<json {c, d, u}>` (presence-enter.lua). */
function parseMember(connectionId: string, value: string): PresenceMember {
  const bar = value.indexOf('|');
  const rest = JSON.parse(value.slice(bar + 1)) as { c: string; d: unknown; u: number };
  return {
    clientId: rest.c,
    connectionId,
    data: rest.d,
    enteredAt: Number(value.slice(0, bar)),
    updatedAt: rest.u,
  };
}
