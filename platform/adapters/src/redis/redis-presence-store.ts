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
  presenceRemovingKey,
  presenceRoomKey,
} from './presence-keys.js';
import type { RedisClient } from './redis-connection.js';
import {
  MOVE_ATTEMPTS,
  MOVED,
  membershipToken,
  memberToken,
  movedTooOften,
  type PresenceRemovalCommands,
  type PresenceRemovalContext,
  parseMember,
  type Reply,
  removeMemberships,
} from './redis-presence-removal.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';

interface PresenceCommands extends PresenceRemovalCommands {
  relayboxPresenceIndexEnter(...args: string[]): Promise<Reply>;
  relayboxPresenceRoomSet(...args: string[]): Promise<Reply>;
  relayboxPresenceIndexLeave(...args: string[]): Promise<number>;
  relayboxPresenceMove(...args: string[]): Promise<number>;
  relayboxPresenceForgetGateway(...args: string[]): Promise<number>;
}

const SCRIPTS = {
  relayboxPresenceIndexEnter: { file: 'presence-index-enter.lua', keys: 5 },
  relayboxPresenceRoomSet: { file: 'presence-room-set.lua', keys: 1 },
  relayboxPresenceRoomRemove: { file: 'presence-room-remove.lua', keys: 1 },
  relayboxPresenceIndexLeave: { file: 'presence-index-leave.lua', keys: 5 },
  relayboxPresenceIndexTake: { file: 'presence-index-take.lua', keys: 5 },
  relayboxPresenceIndexDone: { file: 'presence-index-done.lua', keys: 1 },
  relayboxPresenceMove: { file: 'presence-move-connection.lua', keys: 5 },
  relayboxPresenceForgetGateway: { file: 'presence-forget-gateway.lua', keys: 2 },
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
 * Layout (presence-keys.ts): per room a hash connectionId → member, in the room's own slot; per
 * connection a hash of its rooms (room → membership token) and its gateway; per gateway a set of its
 * connections; one set of gateways holding memberships. enter/update/leave/move are O(1); members
 * O(members) in HSCAN batches; count O(1) (HLEN); removeConnection O(its rooms) and removeGateway
 * O(its memberships), in batches of `batchSize`.
 *
 * Redis Cluster: a room's members share the room's hash tag `{<appId>:<room>}` (its seq and
 * history slot); the cross-room indexes share `{presence-index}`. Every script touches one slot and
 * receives all its keys in KEYS, so an enter is three scripts (index, member, index again: a sweep
 * may have taken the entry in between), a leave two (member, then index) and a removal batch three
 * (take index entries, remove their members, drop the batch): see the
 * presence-*.lua headers for why each order is safe. The keys that depend on stored data (the
 * connection's current gateway) are read just before an index script, which re-checks the gateway and
 * reports a move; the call then reads again (at most MOVE_ATTEMPTS times, then `store_unavailable`).
 * enter/update/leave/move of one connection run one after the other, so they take effect and settle
 * in call order; different connections' calls are pipelined.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: RedisClient & PresenceCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly scanCount: number;
  private readonly clock: () => number;
  private readonly fail = storeFailure(STORE);
  /** The last call of each connection (`<appId>:<connectionId>`) still running: see serial. */
  private readonly inFlight = new Map<string, Promise<void>>();
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
    return this.serial(appId, connectionId, async () => {
      const reply = await this.redis
        .relayboxPresenceRoomRemove(presenceRoomKey(p, appId, room), connectionId, '')
        .catch(this.fail);
      if (Number(reply[0]) !== 1) return null;
      const value = String(reply[1]);
      // Best effort: the member is gone, which decided the leave. An index entry left behind (its
      // token no member carries any more) is removed as nothing by the connection's removal.
      await this.withOwner(appId, connectionId, undefined, (owner) =>
        this.redis.relayboxPresenceIndexLeave(
          presenceConnectionKey(p, appId, connectionId),
          presenceRemovingKey(p, appId, connectionId),
          presenceOwnerKey(p, appId, connectionId),
          presenceGatewaysKey(p),
          presenceGatewayKey(p, owner),
          room,
          memberToken(value),
          `${appId}:${connectionId}`,
          owner,
        ),
      ).catch(() => 0);
      return { action: 'leave' as const, member: parseMember(connectionId, value) };
    });
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
    return this.serial(appId, connectionId, () =>
      this.withOwner(appId, connectionId, undefined, (owner) =>
        this.redis.relayboxPresenceMove(
          presenceConnectionKey(p, appId, connectionId),
          presenceOwnerKey(p, appId, connectionId),
          presenceGatewayKey(p, gatewayId),
          presenceGatewaysKey(p),
          presenceGatewayKey(p, owner),
          gatewayId,
          `${appId}:${connectionId}`,
          owner,
        ),
      ),
    );
  }

  async removeConnection(
    appId: string,
    connectionId: string,
    options: { onlyIfGateway?: string } = {},
  ): Promise<PresenceRemoval[]> {
    if (this.closed) throw closedStore(STORE);
    return removeMemberships(this.removal(), appId, connectionId, options.onlyIfGateway).catch(this.fail);
  }

  async removeGateway(gatewayId: string): Promise<PresenceRemoval[]> {
    if (this.closed) throw closedStore(STORE);
    const p = this.prefix;
    const gatewayKey = presenceGatewayKey(p, gatewayId);
    const removed: PresenceRemoval[] = [];
    const remove = async (): Promise<void> => {
      for (let forgotten = false; !forgotten; ) {
        const refs = (await this.redis.srandmember(gatewayKey, this.batchSize)) as string[];
        for (const ref of refs) {
          const sep = ref.indexOf(':');
          if (sep < 0) await this.redis.srem(gatewayKey, ref);
          else
            removed.push(
              ...(await removeMemberships(this.removal(), ref.slice(0, sep), ref.slice(sep + 1), gatewayId)),
            );
        }
        if (refs.length > 0) continue;
        const reply = await this.redis.relayboxPresenceForgetGateway(
          gatewayKey,
          presenceGatewaysKey(p),
          gatewayId,
        );
        forgotten = Number(reply) === 1;
      }
    };
    await remove().catch(this.fail);
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
      rest = JSON.stringify({
        c: entry.clientId,
        d: entry.data ?? null,
        u: now,
        ...(entry.user ? { v: entry.user } : {}),
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const only = updateOnly ? '1' : '0';
    return this.serial(appId, connectionId, async () => {
      const index = (token: string, mode: string, known?: string) =>
        this.withOwner(appId, connectionId, known, (owner) =>
          this.redis.relayboxPresenceIndexEnter(
            presenceConnectionKey(p, appId, connectionId),
            presenceOwnerKey(p, appId, connectionId),
            presenceGatewayKey(p, gatewayId),
            presenceGatewaysKey(p),
            presenceGatewayKey(p, owner),
            room,
            token,
            mode,
            gatewayId,
            `${appId}:${connectionId}`,
            owner,
          ),
        );
      const indexed = await index(membershipToken(), only);
      if (Number(indexed[0]) === 0) return null;
      const token = String(indexed[1]);
      const reply = await this.redis
        .relayboxPresenceRoomSet(
          presenceRoomKey(p, appId, room),
          connectionId,
          only,
          String(now),
          token,
          rest,
        )
        .catch(this.fail);
      const action = Number(reply[0]);
      if (action === 0) return null;
      // A removal (a sweep of this gateway, as dead) may have taken the index entry between the two
      // steps and found no member yet: index the member again under its token, or no removal would
      // ever reach it. Best effort: the member is written, which decided the call.
      await index(token, '0', gatewayId).catch(() => undefined);
      return {
        action: action === 1 ? ('enter' as const) : ('update' as const),
        member: parseMember(connectionId, String(reply[1])),
      };
    });
  }

  private removal(): PresenceRemovalContext {
    return { redis: this.redis, prefix: this.prefix, batchSize: this.batchSize };
  }

  /**
   * Runs the calls of one connection (`<appId>:<connectionId>`) made through this store one after
   * the other: a gateway read made while an earlier call of the same connection is in flight would be
   * stale, and a call's steps must not interleave with the next call's. Calls for other connections
   * are not held.
   */
  private serial<T>(appId: string, connectionId: string, run: () => Promise<T>): Promise<T> {
    const key = `${appId}:${connectionId}`;
    const previous = this.inFlight.get(key);
    const call = previous ? previous.then(run, run) : run();
    const tail = call.then(
      () => {},
      () => {},
    );
    this.inFlight.set(key, tail);
    void tail.then(() => {
      if (this.inFlight.get(key) === tail) this.inFlight.delete(key);
    });
    return call;
  }

  /**
   * Reads the connection's gateway (or first tries `known`, the gateway the caller just gave it),
   * then runs the index script that names that gateway's keys; again when the script reports (a
   * reply of, or starting with, -1) that the connection moved in between.
   */
  private async withOwner<T extends number | Reply>(
    appId: string,
    connectionId: string,
    known: string | undefined,
    run: (owner: string) => Promise<T>,
  ): Promise<T> {
    const ownerKey = presenceOwnerKey(this.prefix, appId, connectionId);
    for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
      const owner =
        attempt === 0 && known !== undefined ? known : await this.redis.get(ownerKey).catch(this.fail);
      const reply = await run(owner ?? '').catch(this.fail);
      const status = typeof reply === 'number' ? reply : Number(reply[0]);
      if (status !== MOVED) return reply;
    }
    throw movedTooOften(connectionId);
  }
}
