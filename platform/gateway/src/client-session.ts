import { randomBytes } from 'node:crypto';
import {
  type ClientFrame,
  CloseCode,
  ErrorCode,
  type FrameBounds,
  type FrameError,
  type Limits,
  type Operation,
  parseClientFrame,
  RelayBoxError,
} from '@relaybox/protocol';
import type { Authenticator } from './auth/authenticator.js';
import type { Principal } from './auth/principal.js';
import type { Hub } from './hub.js';
import type { Logger } from './logger.js';
import type { Publisher } from './publisher.js';
import { TokenBucket } from './rate-limit.js';
import type { RoomHistory } from './room-history.js';
import type { Transport } from './transport.js';

export interface SessionDeps {
  hub: Hub;
  publisher: Publisher;
  history: RoomHistory;
  authenticator: Authenticator;
  limits: Limits;
  bounds: FrameBounds;
  heartbeatMs: number;
  log: Logger;
}

type SubState = 'none' | 'pending' | 'on';

interface JoinedRoom {
  sub: SubState;
  canSubscribe: boolean;
  canPublish: boolean;
}

/**
 * One authenticated connection: its joined rooms, subscriptions, publish budget and token expiry.
 * Frames are handled in arrival order; replies to one connection's requests can complete out of
 * order only across rooms (publishes to one room are acknowledged in order).
 */
export class ClientSession {
  readonly connectionId = randomBytes(12).toString('base64url');
  private readonly rooms = new Map<string, JoinedRoom>();
  private bucket: TokenBucket | undefined;
  private badFrames = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    readonly transport: Transport,
    private principal: Principal,
    private readonly deps: SessionDeps,
  ) {}

  /** Rooms this connection currently receives messages of. */
  get subscriptions(): number {
    let n = 0;
    for (const state of this.rooms.values()) if (state.sub === 'on') n++;
    return n;
  }

  get appId(): string {
    return this.principal.appId;
  }

  open(): void {
    const { limits, heartbeatMs } = this.deps;
    this.transport.send(
      JSON.stringify({
        type: 'connected',
        connectionId: this.connectionId,
        clientId: this.principal.clientId,
        heartbeatMs,
        expiresAt: this.principal.expiresAt,
        limits: { maxFrameBytes: limits.maxFrameBytes, maxRoomsPerConnection: limits.maxRoomsPerConnection },
      }),
    );
    this.scheduleExpiry();
  }

  /** Called once by the transport layer when the connection is gone. */
  closed(): void {
    this.ended = true;
    clearTimeout(this.expiryTimer);
    for (const [room, state] of this.rooms) {
      if (state.sub === 'on') this.deps.hub.unsubscribe(this.transport, this.appId, room);
    }
    this.rooms.clear();
  }

  handle(text: string, byteLength: number): void {
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(text, byteLength, this.deps.bounds);
    } catch (error) {
      this.rejectFrame(error as FrameError);
      return;
    }
    this.badFrames = 0;
    this.dispatch(frame).then(
      (result) => this.reply(frame.ref, result),
      (error: unknown) => this.replyError(frame.ref, error),
    );
  }

  private async dispatch(frame: ClientFrame): Promise<object | undefined> {
    switch (frame.type) {
      case 'join':
        return this.join(frame.room);
      case 'leave':
        return this.leave(frame.room);
      case 'subscribe':
        return this.subscribe(frame.room, frame.fromSeq);
      case 'unsubscribe':
        return this.unsubscribe(frame.room);
      case 'publish':
        return this.publish(frame.room, frame.event, frame.data, frame.idempotencyKey);
      case 'history':
        if (!this.principal.grants.can(frame.room, 'history')) throw denied(frame.room, 'history');
        return this.deps.history.page(this.appId, frame.room, frame.query);
      case 'refresh':
        return this.refresh(frame.token);
      case 'ping':
        return undefined;
    }
  }

  private join(room: string): undefined {
    if (this.rooms.has(room)) return;
    const { grants } = this.principal;
    if (!grants.canAny(room)) throw denied(room, 'join');
    if (this.rooms.size >= this.deps.limits.maxRoomsPerConnection) {
      throw new RelayBoxError(
        ErrorCode.RoomLimitExceeded,
        `a connection may join at most ${this.deps.limits.maxRoomsPerConnection} rooms`,
      );
    }
    this.rooms.set(room, this.roomRights(room, 'none'));
  }

  private leave(room: string): undefined {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    if (state.sub === 'on') this.deps.hub.unsubscribe(this.transport, this.appId, room);
    state.sub = 'none';
  }

  private async subscribe(room: string, fromSeq: number | undefined): Promise<object | undefined> {
    const state = this.joined(room);
    if (!state.canSubscribe) throw denied(room, 'subscribe');
    if (state.sub === 'none') await this.subscribeLive(room, state);
    if (fromSeq === undefined || state.sub !== 'on') return;
    const canRead = this.principal.grants.can(room, 'history');
    const replayed = await this.deps.history.replay(this.appId, room, fromSeq, canRead, this.transport);
    return { replayed };
  }

  private async subscribeLive(room: string, state: JoinedRoom): Promise<void> {
    state.sub = 'pending';
    try {
      await this.deps.hub.subscribe(this.transport, this.appId, room);
    } catch (error) {
      if (state.sub === 'pending') state.sub = 'none';
      throw error;
    }
    // Left, unsubscribed or disconnected while the broker was binding: undo.
    if (this.ended || state.sub !== 'pending' || this.rooms.get(room) !== state) {
      this.deps.hub.unsubscribe(this.transport, this.appId, room);
      return;
    }
    state.sub = 'on';
  }

  private unsubscribe(room: string): undefined {
    const state = this.joined(room);
    if (state.sub === 'on') this.deps.hub.unsubscribe(this.transport, this.appId, room);
    state.sub = 'none';
  }

  private publish(
    room: string,
    event: string,
    data: unknown,
    idempotencyKey: string | undefined,
  ): Promise<object> {
    const state = this.joined(room);
    if (!state.canPublish) throw denied(room, 'publish');
    const { limits } = this.deps;
    this.bucket ??= new TokenBucket(limits.publishRatePerSecond, limits.publishBurst);
    if (!this.bucket.take()) {
      throw new RelayBoxError(ErrorCode.RateLimited, `publish rate above ${limits.publishRatePerSecond}/s`);
    }
    const { appId, clientId } = this.principal;
    return this.deps.publisher.publish({ appId, room, event, data, clientId, idempotencyKey });
  }

  private async refresh(token: string): Promise<object> {
    const next = await this.deps.authenticator.verifyToken(token);
    const current = this.principal;
    if (next.appId !== current.appId || next.clientId !== current.clientId) {
      throw new RelayBoxError(
        ErrorCode.TokenClientMismatch,
        'a refreshed token must be for the same app and clientId',
      );
    }
    this.principal = next;
    this.scheduleExpiry();
    // Rights can shrink on refresh: drop what the new token no longer allows.
    for (const [room, state] of this.rooms) {
      const rights = this.roomRights(room, state.sub);
      if (!next.grants.canAny(room) || (state.sub !== 'none' && !rights.canSubscribe)) this.leave(room);
      else this.rooms.set(room, rights);
    }
    return { expiresAt: next.expiresAt };
  }

  private roomRights(room: string, sub: SubState): JoinedRoom {
    const { grants } = this.principal;
    return { sub, canSubscribe: grants.can(room, 'subscribe'), canPublish: grants.can(room, 'publish') };
  }

  private joined(room: string): JoinedRoom {
    const state = this.rooms.get(room);
    if (!state) throw new RelayBoxError(ErrorCode.NotJoined, `join "${room}" first`);
    return state;
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const { expiresAt } = this.principal;
    if (expiresAt === undefined) return;
    // setTimeout holds at most ~24.8 days; tokens are far shorter, but clamp anyway.
    const delay = Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => this.transport.close(CloseCode.TokenExpired, 'token expired'), delay);
    this.expiryTimer.unref();
  }

  private reply(ref: number, result: object | undefined): void {
    this.transport.send(
      result === undefined
        ? `{"type":"ack","ref":${ref}}`
        : `{"type":"ack","ref":${ref},"result":${JSON.stringify(result)}}`,
    );
  }

  private replyError(ref: number | undefined, error: unknown): void {
    const rbError =
      error instanceof RelayBoxError
        ? error
        : new RelayBoxError(ErrorCode.Internal, 'internal error', { cause: error });
    if (!(error instanceof RelayBoxError)) this.deps.log.error('request failed', { error: String(error) });
    this.transport.send(
      JSON.stringify({ type: 'error', ref, error: { code: rbError.code, message: rbError.message } }),
    );
  }

  rejectFrame(error: FrameError): void {
    this.replyError(error.ref, error);
    if (++this.badFrames >= this.deps.limits.maxConsecutiveBadFrames) {
      this.transport.close(CloseCode.PolicyViolation, 'too many invalid frames');
    }
  }
}

function denied(room: string, op: Operation | 'join'): RelayBoxError {
  return new RelayBoxError(ErrorCode.PermissionDenied, `no permission to ${op} "${room}"`);
}
