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
  relayboxSessionClaim: { file: 'session-claim.lua', keys: 3 },
  relayboxSessionRemove: { file: 'session-remove.lua', keys: 1 },
  relayboxSessionHeartbeat: { file: 'session-heartbeat.lua', keys: 2 },
  relayboxSessionSweepGateway: { file: 'session-sweep-gateway.lua', keys: 3 },
};

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
 * `batchSize`. Expiry is Redis's own clock (PX), exact to the millisecond. The scripts derive
 * per-gateway key names from stored data, so they need one Redis primary, not a cluster.
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
    const reply = await this.redis
      .relayboxSessionClaim(
        sessionKey(p, connectionId),
        sessionGatewayKey(p, claim.gatewayId),
        gatewaysKey(p),
        connectionId,
        claim.appId,
        claim.clientId,
        hashResumeSecret(claim.secret),
        claim.gatewayId,
        claim.nextSecret === undefined ? '' : hashResumeSecret(claim.nextSecret),
        p,
      )
      .catch(this.fail);
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

  async get(connectionId: string): Promise<StoredSession | undefined> {
    this.open();
    const flat = await this.redis.call('HGETALL', sessionKey(this.prefix, connectionId)).catch(this.fail);
    const fields = flat as string[];
    return fields.length === 0 ? undefined : toSession(connectionId, fields);
  }

  async remove(connectionId: string, gatewayId?: string): Promise<boolean> {
    this.open();
    const reply = await this.redis
      .relayboxSessionRemove(
        sessionKey(this.prefix, connectionId),
        connectionId,
        gatewayId ?? '',
        this.prefix,
      )
      .catch(this.fail);
    return reply === 1;
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
    for (let status = 0; status === 0; ) {
      const reply = await this.redis
        .relayboxSessionSweepGateway(
          sessionGatewayKey(p, gatewayId),
          gatewayAliveKey(p, gatewayId),
          gatewaysKey(p),
          gatewayId,
          String(this.batchSize),
          String(window),
          p,
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

  private open(): void {
    if (this.closed) throw closedStore(STORE);
  }
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
