import {
  type ClaimedSession,
  hashResumeSecret,
  SESSION_CLAIM_CODES,
  type Session,
  type SessionClaim,
  SessionClaimError,
  type SessionRoomState,
  type SessionStore,
  type StoredSession,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';
import { gatewayAliveKey, gatewaysKey, sessionGatewayKey, sessionKey } from './session-keys.js';

type Nested = (string | number | Nested)[];

interface SessionCommands {
  relayboxSessionCreate(...args: string[]): Promise<number>;
  relayboxSessionRoom(...args: string[]): Promise<number>;
  relayboxSessionDetach(...args: string[]): Promise<number>;
  relayboxSessionClaim(...args: string[]): Promise<number | string[]>;
  relayboxSessionRemove(...args: string[]): Promise<number>;
  relayboxSessionHeartbeat(...args: string[]): Promise<number>;
  relayboxSessionSweepGateway(...args: string[]): Promise<Nested>;
}

const SCRIPTS = {
  relayboxSessionCreate: { file: 'session-create.lua', keys: 3 },
  relayboxSessionRoom: { file: 'session-room.lua', keys: 1 },
  relayboxSessionDetach: { file: 'session-detach.lua', keys: 2 },
  relayboxSessionClaim: { file: 'session-claim.lua', keys: 5 },
  relayboxSessionRemove: { file: 'session-remove.lua', keys: 2 },
  relayboxSessionHeartbeat: { file: 'session-heartbeat.lua', keys: 2 },
  relayboxSessionSweepGateway: { file: 'session-sweep-gateway.lua' },
};

/**
 * Claims and removals name the previous gateway's keys, read from the session just before the
 * script (which refuses when the session moved meanwhile): at most this many reads and scripts per call.
 */
const MOVE_ATTEMPTS = 10;

const STORE = 'session store';

export interface RedisSessionStoreOptions extends RedisStateOptions {
  /** Sessions released per atomic batch by sweepGateway. Default 500. */
  batchSize?: number;
}

/**
 * `SessionStore` on Redis, one Lua script per atomic operation (lua/session-*.lua).
 *
 * Layout (session-keys.ts): one hash per session (rooms as `r:<room>` fields, secret as sha256), no
 * expiry while attached and PX = the resume window once detached; one set of connection ids per
 * gateway (attached sessions only); one liveness key per gateway with PX = the heartbeat ttl; one set
 * of known gateways. create/setRoom/removeRoom/detach/claim/remove/heartbeat are O(1) (create and get
 * O(rooms)); deadGateways O(known gateways); sweepGateway O(its sessions) in atomic batches of
 * `batchSize`. Expiry is Redis's own clock (PX), exact to the millisecond.
 *
 * Redis Cluster: every key carries the hash tag `{session}` (one slot) and every script receives all
 * its keys in KEYS. A key that depends on stored data (the gateway a session is attached to, the ids
 * a sweep releases) is read first and passed in; the script re-checks what was read and reports a
 * move, and the call reads again (claim and remove: at most MOVE_ATTEMPTS times, then `store_unavailable`).
 */
export class RedisSessionStore implements SessionStore {
  private readonly redis: RedisClient & SessionCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly fail = storeFailure(STORE);
  private closed = false;

  constructor(options: RedisSessionStoreOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    this.batchSize = options.batchSize ?? 500;
    const { redis, ownsClient } = openStateClient(options);
    defineScripts(redis, SCRIPTS);
    this.redis = redis as RedisClient & SessionCommands;
    this.ownsClient = ownsClient;
  }

  async create(session: Session, secret: string): Promise<void> {
    this.open();
    const p = this.prefix;
    const rooms = Object.entries(session.rooms).flatMap(([room, s]) => [room, s.subscribed ? '1' : '0']);
    const created = await this.redis
      .relayboxSessionCreate(
        sessionKey(p, session.connectionId),
        sessionGatewayKey(p, session.gatewayId),
        gatewaysKey(p),
        session.connectionId,
        session.appId,
        session.clientId,
        session.gatewayId,
        hashResumeSecret(secret),
        String(session.createdAt),
        ...rooms,
      )
      .catch(this.fail);
    if (created < 0) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, `connection id ${session.connectionId} is taken`);
    }
  }

  setRoom(connectionId: string, gatewayId: string, room: string, state: SessionRoomState): Promise<boolean> {
    return this.room(connectionId, gatewayId, room, state.subscribed ? '1' : '0');
  }

  removeRoom(connectionId: string, gatewayId: string, room: string): Promise<boolean> {
    return this.room(connectionId, gatewayId, room, '');
  }

  async detach(connectionId: string, gatewayId: string, resumeWindowMs: number): Promise<boolean> {
    this.open();
    const window = wholeMs(resumeWindowMs, 'resumeWindowMs');
    const p = this.prefix;
    const reply = await this.redis
      .relayboxSessionDetach(
        sessionKey(p, connectionId),
        sessionGatewayKey(p, gatewayId),
        connectionId,
        gatewayId,
        String(window),
      )
      .catch(this.fail);
    return reply === 1;
  }

  async claim(claim: SessionClaim): Promise<ClaimedSession> {
    this.open();
    const p = this.prefix;
    const { connectionId } = claim;
    const secret = hashResumeSecret(claim.secret);
    const nextSecret = claim.nextSecret === undefined ? '' : hashResumeSecret(claim.nextSecret);
    for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
      const previous = await this.ownerOf(connectionId);
      const reply = await this.redis
        .relayboxSessionClaim(
          sessionKey(p, connectionId),
          sessionGatewayKey(p, claim.gatewayId),
          gatewaysKey(p),
          gatewayAliveKey(p, previous),
          sessionGatewayKey(p, previous),
          connectionId,
          claim.appId,
          claim.clientId,
          secret,
          claim.gatewayId,
          nextSecret,
          previous,
        )
        .catch(this.fail);
      if (reply === MOVED_CLAIM) continue;
      if (typeof reply === 'number') {
        const reason = SESSION_CLAIM_CODES[reply];
        if (reason === undefined)
          throw new RelayBoxError(ErrorCode.Internal, `${STORE}: claim returned ${reply}`);
        throw new SessionClaimError(reason, connectionId);
      }
      const [previousGatewayId, ...fields] = reply;
      const { state: _state, ...session } = toSession(connectionId, fields);
      return { ...session, previousGatewayId: String(previousGatewayId) };
    }
    throw movedTooOften(connectionId);
  }

  async get(connectionId: string): Promise<StoredSession | undefined> {
    this.open();
    const flat = await this.redis.call('HGETALL', sessionKey(this.prefix, connectionId)).catch(this.fail);
    const fields = flat as string[];
    return fields.length === 0 ? undefined : toSession(connectionId, fields);
  }

  async remove(connectionId: string, gatewayId?: string): Promise<boolean> {
    this.open();
    const p = this.prefix;
    for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
      // Removal only from a given gateway needs no read: the script removes nothing else.
      const owner = gatewayId ?? (await this.ownerOf(connectionId));
      const reply = await this.redis
        .relayboxSessionRemove(
          sessionKey(p, connectionId),
          sessionGatewayKey(p, owner),
          connectionId,
          gatewayId ?? '',
          owner,
        )
        .catch(this.fail);
      if (reply >= 0) return reply === 1;
    }
    throw movedTooOften(connectionId);
  }

  async heartbeat(gatewayId: string, ttlMs: number): Promise<boolean> {
    this.open();
    const ttl = Math.max(1, wholeMs(ttlMs, 'ttlMs'));
    const p = this.prefix;
    const reply = await this.redis
      .relayboxSessionHeartbeat(gatewayAliveKey(p, gatewayId), gatewaysKey(p), gatewayId, String(ttl))
      .catch(this.fail);
    return reply === 1;
  }

  async clearHeartbeat(gatewayId: string): Promise<void> {
    this.open();
    await this.redis.del(gatewayAliveKey(this.prefix, gatewayId)).catch(this.fail);
  }

  async deadGateways(candidates: Iterable<string> = []): Promise<string[]> {
    this.open();
    const known = await this.redis.smembers(gatewaysKey(this.prefix)).catch(this.fail);
    const ids = [...new Set([...known, ...candidates])];
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(gatewayAliveKey(this.prefix, id));
    const results = (await pipeline.exec().catch(this.fail)) ?? [];
    return ids.filter((_, i) => {
      const [error, alive] = results[i] ?? [new Error('no reply'), 0];
      if (error) this.fail(error);
      return alive === 0;
    });
  }

  async sweepGateway(gatewayId: string, options: { resumeWindowMs: number }): Promise<Session[]> {
    this.open();
    const window = wholeMs(options.resumeWindowMs, 'resumeWindowMs');
    const p = this.prefix;
    const swept: Session[] = [];
    const keys = [sessionGatewayKey(p, gatewayId), gatewayAliveKey(p, gatewayId), gatewaysKey(p)];
    for (let status = 0; status === 0; ) {
      const ids = (await this.redis
        .srandmember(keys[0] as string, this.batchSize)
        .catch(this.fail)) as string[];
      const sessions = ids.map((id) => sessionKey(p, id));
      const reply = await this.redis
        .relayboxSessionSweepGateway(
          String(keys.length + sessions.length),
          ...keys,
          ...sessions,
          gatewayId,
          String(window),
          ...ids,
        )
        .catch(this.fail);
      status = Number(reply[0]);
      for (let i = 1; i + 1 < reply.length; i += 2) {
        const { state: _state, ...session } = toSession(String(reply[i]), reply[i + 1] as string[]);
        swept.push(session);
      }
    }
    return swept;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeStateClient(this.redis, this.ownsClient);
  }

  private async room(connectionId: string, gatewayId: string, room: string, value: string): Promise<boolean> {
    this.open();
    const reply = await this.redis
      .relayboxSessionRoom(sessionKey(this.prefix, connectionId), gatewayId, room, value)
      .catch(this.fail);
    return reply === 1;
  }

  /** The gateway the session names now ('' when there is no session). */
  private async ownerOf(connectionId: string): Promise<string> {
    const owner = await this.redis.hget(sessionKey(this.prefix, connectionId), 'g').catch(this.fail);
    return owner ?? '';
  }

  private open(): void {
    if (this.closed) throw closedStore(STORE);
  }
}

/** session-claim.lua: the session moved to another gateway between the read and the script. */
const MOVED_CLAIM = -6;

function movedTooOften(connectionId: string): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.StoreUnavailable,
    `${STORE}: session ${connectionId} moved between gateways ${MOVE_ATTEMPTS} times during one call`,
  );
}

/** A session hash (flat HGETALL reply, see session-keys.ts) as a `StoredSession`. */
function toSession(connectionId: string, flat: (string | number | Nested)[]): StoredSession {
  const fields = new Map<string, string>();
  const rooms: [string, SessionRoomState][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = String(flat[i]);
    const value = String(flat[i + 1]);
    if (field.startsWith('r:')) rooms.push([field.slice(2), { subscribed: value === '1' }]);
    else fields.set(field, value);
  }
  return {
    connectionId,
    appId: fields.get('a') ?? '',
    clientId: fields.get('c') ?? '',
    gatewayId: fields.get('g') ?? '',
    // fromEntries defines own properties: a room named `__proto__` stays a room.
    rooms: Object.fromEntries(rooms),
    createdAt: Number(fields.get('t') ?? 0),
    state: fields.get('s') === 'a' ? 'attached' : 'detached',
  };
}

function wholeMs(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, `${name} must be a finite number >= 0, got ${value}`);
  }
  return Math.ceil(value);
}
