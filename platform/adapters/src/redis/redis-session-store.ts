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
  relayboxSessionIndexAdd(...args: string[]): Promise<number>;
  relayboxSessionCreate(...args: string[]): Promise<Nested>;
  relayboxSessionRoom(...args: string[]): Promise<number>;
  relayboxSessionDetach(...args: string[]): Promise<number>;
  relayboxSessionClaim(...args: string[]): Promise<Nested>;
  relayboxSessionRemove(...args: string[]): Promise<Nested>;
  relayboxSessionHeartbeat(...args: string[]): Promise<number>;
  relayboxSessionSweepTake(...args: string[]): Promise<Nested>;
  relayboxSessionRelease(...args: string[]): Promise<string[]>;
}

const SCRIPTS = {
  relayboxSessionIndexAdd: { file: 'session-index-add.lua', keys: 2 },
  relayboxSessionCreate: { file: 'session-create.lua', keys: 1 },
  relayboxSessionRoom: { file: 'session-room.lua', keys: 1 },
  relayboxSessionDetach: { file: 'session-detach.lua', keys: 1 },
  relayboxSessionClaim: { file: 'session-claim.lua', keys: 1 },
  relayboxSessionRemove: { file: 'session-remove.lua', keys: 1 },
  relayboxSessionHeartbeat: { file: 'session-heartbeat.lua', keys: 2 },
  relayboxSessionSweepTake: { file: 'session-sweep-take.lua', keys: 3 },
  relayboxSessionRelease: { file: 'session-release.lua', keys: 1 },
};

/**
 * A claim checks the previous gateway's liveness, read with the session's gateway just before the
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
 * Redis Cluster: each session hash has a slot of its own (`{session:c:<connectionId>}`), the
 * per-gateway indexes and liveness keys share `{session-index}` (session-keys.ts); every script touches one
 * slot and receives all its keys in KEYS. So a call that changes a session and an index is two steps:
 * create and claim index the session under the new gateway first, then write it; detach, remove and
 * the sweep change the session first, then drop its reference. A reference to a session not attached
 * to that gateway is harmless (the sweep skips it). A claim reads the session's gateway (and, when it
 * keeps the secret, that gateway's liveness) first; the script re-checks the gateway and reports a
 * move, and the claim reads again (at most MOVE_ATTEMPTS times, then `store_unavailable`). The sweep checks the gateway dead
 * once per batch, not per session: a gateway whose heartbeat lapsed may lose sessions to a sweep
 * (its next `heartbeat` resolves false, as documented).
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
    const { connectionId, gatewayId } = session;
    const rooms = Object.entries(session.rooms).flatMap(([room, s]) => [room, s.subscribed ? '1' : '0']);
    await this.redis
      .relayboxSessionIndexAdd(sessionGatewayKey(p, gatewayId), gatewaysKey(p), connectionId, gatewayId)
      .catch(this.fail);
    const reply = await this.redis
      .relayboxSessionCreate(
        sessionKey(p, connectionId),
        session.appId,
        session.clientId,
        gatewayId,
        hashResumeSecret(secret),
        String(session.createdAt),
        ...rooms,
      )
      .catch(this.fail);
    if (Number(reply[0]) < 0) {
      if (String(reply[1]) !== gatewayId) await this.unindex(gatewayId, connectionId);
      throw new RelayBoxError(ErrorCode.InvalidRequest, `connection id ${connectionId} is taken`);
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
      .relayboxSessionDetach(sessionKey(p, connectionId), gatewayId, String(window))
      .catch(this.fail);
    if (reply !== 1) return false;
    await this.unindex(gatewayId, connectionId);
    return true;
  }

  async claim(claim: SessionClaim): Promise<ClaimedSession> {
    this.open();
    const p = this.prefix;
    const { connectionId, gatewayId } = claim;
    const secret = hashResumeSecret(claim.secret);
    const nextSecret = claim.nextSecret === undefined ? '' : hashResumeSecret(claim.nextSecret);
    for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
      const previous = await this.ownerOf(connectionId);
      if (previous === '') throw new SessionClaimError('not_found', connectionId);
      // A rotating claim may take over from a live gateway: its liveness only matters to the others.
      const alive =
        nextSecret === '' ? await this.redis.exists(gatewayAliveKey(p, previous)).catch(this.fail) : 0;
      await this.redis
        .relayboxSessionIndexAdd(sessionGatewayKey(p, gatewayId), gatewaysKey(p), connectionId, gatewayId)
        .catch(this.fail);
      const reply = await this.redis
        .relayboxSessionClaim(
          sessionKey(p, connectionId),
          claim.appId,
          claim.clientId,
          secret,
          gatewayId,
          nextSecret,
          previous,
          alive === 1 ? '1' : '0',
        )
        .catch(this.fail);
      const [head, ...fields] = reply;
      if (typeof head === 'number') {
        // Refused: the reference just added is stale unless the session is attached to the claimer.
        if (String(fields[0]) !== gatewayId) await this.unindex(gatewayId, connectionId);
        if (head === MOVED_CLAIM) continue;
        const reason = SESSION_CLAIM_CODES[head];
        if (reason === undefined)
          throw new RelayBoxError(ErrorCode.Internal, `${STORE}: claim returned ${head}`);
        throw new SessionClaimError(reason, connectionId);
      }
      const previousGatewayId = String(head);
      if (previousGatewayId !== gatewayId) await this.unindex(previousGatewayId, connectionId);
      const [previousState, ...hash] = fields;
      const { state: _state, ...session } = toSession(connectionId, hash);
      return {
        ...session,
        previousGatewayId,
        previousState: previousState === 'a' ? 'attached' : 'detached',
      };
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
    const reply = await this.redis
      .relayboxSessionRemove(sessionKey(this.prefix, connectionId), gatewayId ?? '')
      .catch(this.fail);
    if (Number(reply[0]) !== 1) return false;
    if (reply[2] === 'a') await this.unindex(String(reply[1]), connectionId);
    return true;
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
    const window = String(wholeMs(options.resumeWindowMs, 'resumeWindowMs'));
    const p = this.prefix;
    const indexKey = sessionGatewayKey(p, gatewayId);
    const swept: Session[] = [];
    for (let status = 0; status === 0; ) {
      const reply = await this.redis
        .relayboxSessionSweepTake(
          indexKey,
          gatewayAliveKey(p, gatewayId),
          gatewaysKey(p),
          gatewayId,
          String(this.batchSize),
        )
        .catch(this.fail);
      status = Number(reply[0]);
      const ids = reply.slice(1).map(String);
      if (ids.length === 0) continue;
      const released = await Promise.all(
        ids.map((id) => this.redis.relayboxSessionRelease(sessionKey(p, id), gatewayId, window)),
      ).catch(this.fail);
      released.forEach((fields, i) => {
        if (fields.length === 0) return;
        const { state: _state, ...session } = toSession(ids[i]!, fields);
        swept.push(session);
      });
      await this.redis.srem(indexKey, ...ids).catch(this.fail);
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

  /**
   * Drops a session's reference from a gateway's set (the second step of detach, remove, claim).
   * Best effort: the first step already decided the call, and a reference left behind is harmless
   * (the sweep skips sessions not attached to the swept gateway, and drops the reference).
   */
  private async unindex(gatewayId: string, connectionId: string): Promise<void> {
    await this.redis.srem(sessionGatewayKey(this.prefix, gatewayId), connectionId).catch(() => 0);
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
