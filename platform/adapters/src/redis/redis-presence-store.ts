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
  MOVE_ATTEMPTS,
  MOVED,
  movedTooOften,
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

interface PresenceCommands {
  relayboxPresenceEnter(...args: string[]): Promise<Reply>;
  relayboxPresenceLeave(...args: string[]): Promise<Reply>;
  relayboxPresenceMove(...args: string[]): Promise<number>;
  relayboxPresenceRemoveConnection(...args: string[]): Promise<Reply>;
  relayboxPresenceForgetGateway(...args: string[]): Promise<number>;
}

const SCRIPTS = {
  relayboxPresenceEnter: { file: 'presence-enter.lua', keys: 6 },
  relayboxPresenceLeave: { file: 'presence-leave.lua', keys: 5 },
  relayboxPresenceMove: { file: 'presence-move-connection.lua', keys: 5 },
  relayboxPresenceRemoveConnection: { file: 'presence-remove-connection.lua' },
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
 * Layout (presence-keys.ts): per room a hash connectionId → member; per connection a set of its rooms
 * and its gateway; per gateway a set of its connections; one set of gateways holding memberships.
 * enter/update/leave/move are O(1); members O(members) in HSCAN batches; count O(1) (HLEN);
 * removeConnection O(its rooms) and removeGateway O(its memberships), in atomic batches of
 * `batchSize`.
 *
 * Redis Cluster: every key carries the hash tag `{presence}` (one slot) and every script receives
 * all its keys in KEYS. The keys that depend on stored data (the connection's current gateway, the
 * rooms a removal visits) are read just before the script, which re-checks the gateway and reports a
 * move; the call then reads again (at most MOVE_ATTEMPTS times, then `store_unavailable`).
 * enter/update/leave/move of one connection run one after the other (one read then one script
 * each), so they take effect and settle in call order; different connections' calls are pipelined.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly redis: RedisClient & PresenceCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly scanCount: number;
  private readonly clock: () => number;
  private readonly fail = storeFailure(STORE);
  /** The last call of each connection (`<appId>:<connectionId>`) still running: see withOwner. */
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
    return this.withOwner(appId, connectionId, async (owner) => {
      const reply = await this.redis.relayboxPresenceLeave(
        presenceRoomKey(p, appId, room),
        presenceConnectionKey(p, appId, connectionId),
        presenceOwnerKey(p, appId, connectionId),
        presenceGatewaysKey(p),
        presenceGatewayKey(p, owner),
        connectionId,
        room,
        `${appId}:${connectionId}`,
        owner,
      );
      const status = Number(reply[0]);
      if (status === MOVED) return MOVED;
      if (status === 0) return null;
      return { action: 'leave' as const, member: parseMember(connectionId, String(reply[1])) };
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
    return this.withOwner(appId, connectionId, async (owner) => {
      const reply = await this.redis.relayboxPresenceMove(
        presenceConnectionKey(p, appId, connectionId),
        presenceOwnerKey(p, appId, connectionId),
        presenceGatewayKey(p, gatewayId),
        presenceGatewaysKey(p),
        presenceGatewayKey(p, owner),
        gatewayId,
        `${appId}:${connectionId}`,
        owner,
      );
      return Number(reply);
    });
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
    return this.withOwner(appId, connectionId, async (owner) => {
      const reply = await this.redis.relayboxPresenceEnter(
        presenceRoomKey(p, appId, room),
        presenceConnectionKey(p, appId, connectionId),
        presenceOwnerKey(p, appId, connectionId),
        presenceGatewayKey(p, gatewayId),
        presenceGatewaysKey(p),
        presenceGatewayKey(p, owner),
        connectionId,
        room,
        updateOnly ? '1' : '0',
        String(now),
        rest,
        gatewayId,
        `${appId}:${connectionId}`,
        owner,
      );
      const action = Number(reply[0]);
      if (action === MOVED) return MOVED;
      if (action === 0) return null;
      return {
        action: action === 1 ? ('enter' as const) : ('update' as const),
        member: parseMember(connectionId, String(reply[1])),
      };
    });
  }

  /**
   * Reads the connection's gateway, then runs the script that names that gateway's keys; again
   * when the script reports that the connection moved in between. Calls for one connection run one
   * after the other (a read made while an earlier call of the same connection is in flight would be
   * stale), so they take effect and settle in call order; calls for other connections are not held.
   */
  private removal(): PresenceRemovalContext {
    return { redis: this.redis, prefix: this.prefix, batchSize: this.batchSize };
  }

  private withOwner<T>(
    appId: string,
    connectionId: string,
    run: (owner: string) => Promise<T | typeof MOVED>,
  ): Promise<T> {
    const key = `${appId}:${connectionId}`;
    const start = () => this.attempt(appId, connectionId, run, 1);
    const previous = this.inFlight.get(key);
    const call = previous ? previous.then(start, start) : start();
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

  private attempt<T>(
    appId: string,
    connectionId: string,
    run: (owner: string) => Promise<T | typeof MOVED>,
    attempt: number,
  ): Promise<T> {
    return this.redis
      .get(presenceOwnerKey(this.prefix, appId, connectionId))
      .then((owner) => run(owner ?? ''))
      .then((result) => {
        if (result !== MOVED) return result as T;
        if (attempt >= MOVE_ATTEMPTS) throw movedTooOften(connectionId);
        return this.attempt(appId, connectionId, run, attempt + 1);
      })
      .catch(this.fail);
  }
}
