import { timingSafeEqual } from 'node:crypto';
import {
  type ClaimedSession,
  hashResumeSecret,
  type Session,
  type SessionClaim,
  SessionClaimError,
  SessionClaimRefusal,
  type SessionRoomState,
  type SessionStore,
  type StoredSession,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

interface SessionRecord {
  connectionId: string;
  appId: string;
  clientId: string;
  gatewayId: string;
  secretHash: Buffer;
  createdAt: number;
  state: 'attached' | 'detached';
  /** When a detached session disappears, on the store's clock. */
  expiresAt: number;
  rooms: Map<string, boolean>;
}

/** The sessions of one process, shareable between stores to model several gateways. */
export class MemorySessionState {
  readonly sessions = new Map<string, SessionRecord>();
  /** gatewayId → connection ids attached to it. */
  readonly byGateway = new Map<string, Set<string>>();
  /** gatewayId → end of its heartbeat's ttl. */
  readonly aliveUntil = new Map<string, number>();
  /** Gateways that beat or own sessions and were not swept yet. */
  readonly known = new Set<string>();
  /** Detached sessions in detach order: purged once expired, so unclaimed ones do not pile up. */
  readonly expiries: { connectionId: string; expiresAt: number }[] = [];

  clear(): void {
    this.sessions.clear();
    this.byGateway.clear();
    this.aliveUntil.clear();
    this.known.clear();
    this.expiries.length = 0;
  }
}

export interface MemorySessionStoreOptions {
  /** Share one state between stores to model several gateways in one process. Default: a private one. */
  state?: MemorySessionState;
  /** The clock of resume windows and heartbeat ttls. Default Date.now. */
  clock?: () => number;
}

/**
 * `SessionStore` for one process. Every call runs synchronously before its promise is created, so
 * each is atomic and calls take effect in call order. Expiry follows the injected clock: an expired
 * session or heartbeat counts as gone at once; expired sessions are also purged as detaches go by.
 */
export class MemorySessionStore implements SessionStore {
  private readonly state: MemorySessionState;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.state = options.state ?? new MemorySessionState();
    this.clock = options.clock ?? Date.now;
  }

  create(session: Session, secret: string): Promise<void> {
    return this.run(() => {
      if (this.find(session.connectionId)) {
        throw new RelayBoxError(ErrorCode.InvalidRequest, `connection id ${session.connectionId} is taken`);
      }
      this.state.sessions.set(session.connectionId, {
        connectionId: session.connectionId,
        appId: session.appId,
        clientId: session.clientId,
        gatewayId: session.gatewayId,
        secretHash: Buffer.from(hashResumeSecret(secret), 'hex'),
        createdAt: session.createdAt,
        state: 'attached',
        expiresAt: Number.POSITIVE_INFINITY,
        rooms: new Map(Object.entries(session.rooms).map(([room, s]) => [room, s.subscribed])),
      });
      this.attach(session.connectionId, session.gatewayId);
    });
  }

  setRoom(connectionId: string, gatewayId: string, room: string, state: SessionRoomState): Promise<boolean> {
    return this.run(() => {
      const record = this.attachedTo(connectionId, gatewayId);
      record?.rooms.set(room, state.subscribed);
      return record !== undefined;
    });
  }

  removeRoom(connectionId: string, gatewayId: string, room: string): Promise<boolean> {
    return this.run(() => {
      const record = this.attachedTo(connectionId, gatewayId);
      record?.rooms.delete(room);
      return record !== undefined;
    });
  }

  detach(connectionId: string, gatewayId: string, resumeWindowMs: number): Promise<boolean> {
    return this.run(() => {
      const window = wholeMs(resumeWindowMs, 'resumeWindowMs');
      const record = this.attachedTo(connectionId, gatewayId);
      if (!record) return false;
      this.release(record, window);
      this.purge();
      return true;
    });
  }

  claim(claim: SessionClaim): Promise<ClaimedSession> {
    return this.run(() => {
      const { connectionId } = claim;
      const record = this.find(connectionId);
      const refuse = (reason: SessionClaimRefusal): never => {
        throw new SessionClaimError(reason, connectionId);
      };
      if (!record) return refuse(SessionClaimRefusal.NotFound);
      if (record.appId !== claim.appId) return refuse(SessionClaimRefusal.WrongApp);
      if (record.clientId !== claim.clientId) return refuse(SessionClaimRefusal.WrongClient);
      const presented = Buffer.from(hashResumeSecret(claim.secret), 'hex');
      if (!timingSafeEqual(presented, record.secretHash)) return refuse(SessionClaimRefusal.WrongSecret);
      // Only a claim that rotates the secret may take a session over from a live gateway.
      if (record.state === 'attached' && claim.nextSecret === undefined && this.isAlive(record.gatewayId))
        return refuse(SessionClaimRefusal.Attached);

      const previousGatewayId = record.gatewayId;
      const previousState = record.state;
      if (previousState === 'attached') this.unindex(previousGatewayId, connectionId);
      record.state = 'attached';
      record.expiresAt = Number.POSITIVE_INFINITY;
      record.gatewayId = claim.gatewayId;
      if (claim.nextSecret !== undefined)
        record.secretHash = Buffer.from(hashResumeSecret(claim.nextSecret), 'hex');
      this.attach(connectionId, claim.gatewayId);
      return { ...toSession(record), previousGatewayId, previousState };
    });
  }

  get(connectionId: string): Promise<StoredSession | undefined> {
    return this.run(() => {
      const record = this.find(connectionId);
      return record ? { ...toSession(record), state: record.state } : undefined;
    });
  }

  remove(connectionId: string, gatewayId?: string): Promise<boolean> {
    return this.run(() => {
      const record =
        gatewayId === undefined ? this.find(connectionId) : this.attachedTo(connectionId, gatewayId);
      if (!record) return false;
      this.release(record, 0);
      return true;
    });
  }

  heartbeat(gatewayId: string, ttlMs: number): Promise<boolean> {
    return this.run(() => {
      const ttl = Math.max(1, wholeMs(ttlMs, 'ttlMs'));
      const wasAlive = this.isAlive(gatewayId);
      this.state.aliveUntil.set(gatewayId, this.clock() + ttl);
      this.state.known.add(gatewayId);
      return wasAlive;
    });
  }

  clearHeartbeat(gatewayId: string): Promise<void> {
    return this.run(() => {
      this.state.aliveUntil.delete(gatewayId);
    });
  }

  deadGateways(candidates: Iterable<string> = []): Promise<string[]> {
    return this.run(() =>
      [...new Set([...this.state.known, ...candidates])].filter((id) => !this.isAlive(id)),
    );
  }

  sweepGateway(gatewayId: string, options: { resumeWindowMs: number }): Promise<Session[]> {
    return this.run(() => {
      const window = wholeMs(options.resumeWindowMs, 'resumeWindowMs');
      if (this.isAlive(gatewayId)) return [];
      const swept: Session[] = [];
      for (const connectionId of this.state.byGateway.get(gatewayId) ?? []) {
        const record = this.state.sessions.get(connectionId);
        if (record?.state !== 'attached' || record.gatewayId !== gatewayId) continue;
        swept.push(toSession(record));
        this.release(record, window);
      }
      this.state.byGateway.delete(gatewayId);
      this.state.known.delete(gatewayId);
      this.state.aliveUntil.delete(gatewayId);
      this.purge();
      return swept;
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private run<T>(operation: () => T): Promise<T> {
    if (this.closed)
      return Promise.reject(new RelayBoxError(ErrorCode.StoreUnavailable, 'session store is closed'));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private isAlive(gatewayId: string): boolean {
    return (this.state.aliveUntil.get(gatewayId) ?? Number.NEGATIVE_INFINITY) > this.clock();
  }

  /** The session, unless it is missing or detached past its window (then it is dropped). */
  private find(connectionId: string): SessionRecord | undefined {
    const record = this.state.sessions.get(connectionId);
    if (record && record.expiresAt <= this.clock()) {
      this.state.sessions.delete(connectionId);
      return undefined;
    }
    return record;
  }

  private attachedTo(connectionId: string, gatewayId: string): SessionRecord | undefined {
    const record = this.find(connectionId);
    return record?.state === 'attached' && record.gatewayId === gatewayId ? record : undefined;
  }

  private attach(connectionId: string, gatewayId: string): void {
    let ids = this.state.byGateway.get(gatewayId);
    if (!ids) {
      ids = new Set();
      this.state.byGateway.set(gatewayId, ids);
    }
    ids.add(connectionId);
    this.state.known.add(gatewayId);
  }

  private unindex(gatewayId: string, connectionId: string): void {
    const ids = this.state.byGateway.get(gatewayId);
    ids?.delete(connectionId);
    if (ids?.size === 0) this.state.byGateway.delete(gatewayId);
  }

  /** Detaches the session for `window` ms, or deletes it when the window is 0. */
  private release(record: SessionRecord, window: number): void {
    if (record.state === 'attached') this.unindex(record.gatewayId, record.connectionId);
    if (window <= 0) {
      this.state.sessions.delete(record.connectionId);
      return;
    }
    record.state = 'detached';
    record.expiresAt = this.clock() + window;
    this.state.expiries.push({ connectionId: record.connectionId, expiresAt: record.expiresAt });
  }

  /** Drops detached sessions whose window has passed, oldest first: amortized O(1) per detach. */
  private purge(): void {
    const now = this.clock();
    const queue = this.state.expiries;
    let head = 0;
    while (head < queue.length && queue[head]!.expiresAt <= now) {
      const { connectionId, expiresAt } = queue[head]!;
      const record = this.state.sessions.get(connectionId);
      if (record?.state === 'detached' && record.expiresAt === expiresAt)
        this.state.sessions.delete(connectionId);
      head++;
    }
    if (head > 0) queue.splice(0, head);
  }
}

function toSession(record: SessionRecord): Session {
  return {
    connectionId: record.connectionId,
    appId: record.appId,
    clientId: record.clientId,
    gatewayId: record.gatewayId,
    rooms: Object.fromEntries([...record.rooms].map(([room, subscribed]) => [room, { subscribed }])),
    createdAt: record.createdAt,
  };
}

function wholeMs(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, `${name} must be a finite number >= 0, got ${value}`);
  }
  return Math.ceil(value);
}
