import {
  type ClientFrame,
  CloseCode,
  ErrorCode,
  type FrameBounds,
  type FrameError,
  type Limits,
  type Operation,
  type PresenceFrame,
  type PublishFrame,
  parseClientFrame,
  RelayBoxError,
} from '@relaybox/protocol';
import type { FrameLog } from './admin/frame-log.js';
import type { Authenticator } from './auth/authenticator.js';
import type { Principal } from './auth/principal.js';
import { FrameIntake } from './frame-intake.js';
import type { CatchUp, Hub } from './hub.js';
import { jsonOf } from './json-text.js';
import type { Logger } from './logger.js';
import type { RoomMetricsFanout } from './metrics/room-metrics-fanout.js';
import type { PresenceService } from './presence-service.js';
import type { Publisher } from './publisher.js';
import { TokenBucket } from './rate-limit.js';
import { ReadQueue } from './read-queue.js';

/** Expensive reads (history, presence.get) one connection runs at once. */
const READS_IN_FLIGHT = 2;

import type { RoomHistory } from './room-history.js';
import { type JoinedRoom, type MembershipObserver, RoomSubscriptions } from './room-subscriptions.js';
import type { SessionLifecycle, SessionOpening } from './session-lifecycle.js';
import type { Transport } from './transport.js';

export interface SessionDeps {
  hub: Hub;
  publisher: Publisher;
  history: RoomHistory;
  presence: PresenceService;
  lifecycle: SessionLifecycle;
  authenticator: Authenticator;
  limits: Limits;
  bounds: FrameBounds;
  heartbeatMs: number;
  log: Logger;
  roomMetrics: RoomMetricsFanout;
  membership?: MembershipObserver;
  /** The connection is being closed for ignoring its request budget. */
  onBudgetIgnored?: (session: ClientSession) => void;
  /** Room membership changes, for webhooks. */
  onRoom?: (session: ClientSession, room: string, joined: boolean) => void;
  /** A request refused with `permission_denied` (for the `permission.denied` trace). */
  onDenied?: (session: ClientSession, room: string, operation: Operation | 'join') => void;
}

/**
 * One authenticated connection: its joined rooms, subscriptions, presence, publish budget and token
 * expiry. Frames are handled in arrival order; publishes to one room are acknowledged in order.
 */
export class ClientSession {
  readonly connectionId: string;
  /** For the inspector: when the connection opened, and the frames and bytes it sent us. */
  readonly connectedAt = Date.now();
  messagesIn = 0;
  bytesIn = 0;
  /** The client's address (set by the gateway when it knows it). */
  address: string | undefined;
  /** Set while the inspector watches this connection: frames received are recorded there. */
  frameLog: FrameLog | undefined;
  private readonly subs: RoomSubscriptions;
  private bucket: TokenBucket | undefined;
  /**
   * History pages and presence reads of this connection run at most `READS_IN_FLIGHT` at a time
   * (the rest wait, in order): their replies then reach the gateway's event loop a few at a time,
   * so one connection's reads cannot stall everyone's frames for long. Reads still queued when the
   * connection closes are dropped.
   */
  private readsQueue: ReadQueue | undefined;
  /**
   * The request budget and the hold of later frames behind a subscribe. Made on the first frame
   * (its budget starts full either way), like `reads`: an idle connection holds neither, nor their
   * closures (issue 15: idle connections at ≤ 3 KB each).
   */
  private frameIntake: FrameIntake | undefined;
  private badFrames = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Every line this connection logs carries its `connectionId` and `appId`. */
  private readonly log: Logger;

  constructor(
    readonly transport: Transport,
    private principal: Principal,
    private readonly opening: SessionOpening,
    private readonly deps: SessionDeps,
  ) {
    this.connectionId = opening.connectionId;
    this.log = deps.log.child({ connectionId: opening.connectionId, appId: principal.appId });
    this.subs = new RoomSubscriptions(
      deps.hub,
      transport,
      principal.appId,
      deps.roomMetrics,
      deps.membership,
    );
  }

  private get reads(): ReadQueue {
    this.readsQueue ??= new ReadQueue(READS_IN_FLIGHT, () => this.transport.closed);
    return this.readsQueue;
  }

  private get intake(): FrameIntake {
    this.frameIntake ??= new FrameIntake({
      limits: this.deps.limits,
      run: (frame) => this.run(frame),
      refuse: (ref, error) => this.replyError(ref, error),
      closeForBudget: () => {
        this.deps.onBudgetIgnored?.(this);
        this.transport.close(
          CloseCode.PolicyViolation,
          'rate_limited: request budget ignored, too many frames over the rate',
        );
      },
    });
    return this.frameIntake;
  }

  /** Subscriptions that can push traffic at this connection (for the slow-consumer sweep). */
  get subscriptions(): number {
    return this.subs.active;
  }

  /** Which open of this connection id on this gateway the socket is (see `SessionLifecycle`). */
  get epoch(): number {
    return this.opening.epoch;
  }

  get appId(): string {
    return this.principal.appId;
  }

  get clientId(): string {
    return this.principal.clientId;
  }

  /** The API key this connection was authenticated with (directly or through a token's `kid`). */
  get keyId(): string {
    return this.principal.keyId;
  }

  /** The signed-in user and auth session of the current token (auth-service tokens only). */
  get authSession(): { userId: string; sessionId: string } | undefined {
    const { authSessionId, clientId } = this.principal;
    return authSessionId === undefined ? undefined : { userId: clientId, sessionId: authSessionId };
  }

  /** The principal as it stands (a token refresh replaces it), for the inspector's snapshot. */
  get authenticated(): Principal {
    return this.principal;
  }

  /** The rooms this connection joined. */
  get roomNames(): string[] {
    return [...this.subs.rooms.keys()];
  }

  /** The joined rooms and the state of their subscriptions (for the inspector). */
  get joinedRooms(): ReadonlyMap<string, Readonly<JoinedRoom>> {
    return this.subs.rooms;
  }

  open(): void {
    const { limits, heartbeatMs } = this.deps;
    const { resumeSecret, resumed, resumeError, rooms } = this.opening;
    // A resumed connection is back in the rooms it had joined (still allowed by its rights); the
    // client re-subscribes with `fromSeq` to get what it missed.
    for (const room of Object.keys(rooms)) {
      if (this.principal.grants.canAny(room)) this.subs.join(room, this.roomRights(room));
    }
    this.transport.send(
      JSON.stringify({
        type: 'connected',
        connectionId: this.connectionId,
        clientId: this.principal.clientId,
        heartbeatMs,
        expiresAt: this.principal.expiresAt,
        limits: {
          maxFrameBytes: limits.maxFrameBytes,
          maxRoomsPerConnection: limits.maxRoomsPerConnection,
          maxPresenceDataBytes: limits.maxPresenceDataBytes,
        },
        resumeSecret,
        resumed,
        resumeError,
      }),
    );
    this.scheduleExpiry();
  }

  /** Called once by the transport layer when the connection is gone; `clean` = closed with 1000. */
  closed(clean: boolean): void {
    clearTimeout(this.expiryTimer);
    this.subs.end();
    this.deps.lifecycle.closed(this.appId, this.principal.clientId, this.connectionId, clean, this.epoch);
  }

  handle(text: string, byteLength: number): void {
    this.messagesIn++;
    this.bytesIn += byteLength;
    this.frameLog?.record('in', text);
    let frame: ClientFrame;
    try {
      frame = parseClientFrame(text, byteLength, this.deps.bounds);
    } catch (error) {
      this.rejectFrame(error as FrameError);
      return;
    }
    this.badFrames = 0;
    this.intake.accept(frame);
  }

  private run(frame: ClientFrame): void {
    this.dispatch(frame).then(
      (result) => {
        this.reply(frame.ref, result);
        // A watched connection's subscriptions may have changed: the recorder re-taps its rooms.
        this.frameLog?.handled();
      },
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
        this.subs.unsubscribe(frame.room, this.joined(frame.room), 'messages');
        return undefined;
      case 'publish':
        return this.publish(frame);
      case 'history':
        this.require(frame.room, 'history');
        return this.reads.run(() => this.deps.history.page(this.appId, frame.room, frame.query));
      case 'presence':
        return this.presence(frame);
      case 'presence.get':
        this.require(frame.room, 'presence');
        return this.reads.run(async () => ({
          members: await this.deps.presence.members(this.appId, frame.room),
        }));
      case 'presence.subscribe':
        return this.presenceSubscribe(frame.room);
      case 'presence.unsubscribe':
        this.subs.unsubscribe(frame.room, this.joined(frame.room), 'presence');
        return undefined;
      case 'metrics.subscribe':
      case 'metrics.unsubscribe': {
        const state = this.joined(frame.room);
        if (!state.canMetrics) throw denied(frame.room, 'metrics');
        this.subs.watchMetrics(frame.room, state, frame.type === 'metrics.subscribe');
        return undefined;
      }
      case 'refresh':
        return this.refresh(frame.token);
      case 'ping':
        return undefined;
    }
  }

  private join(room: string): undefined {
    if (this.subs.rooms.has(room)) return;
    if (!this.principal.grants.canAny(room)) throw denied(room, 'join');
    const max = this.deps.limits.maxRoomsPerConnection;
    if (this.subs.rooms.size >= max) {
      throw new RelayBoxError(ErrorCode.RoomLimitExceeded, `a connection may join at most ${max} rooms`);
    }
    this.subs.join(room, this.roomRights(room));
    this.deps.lifecycle.roomChanged(this.connectionId, room, { subscribed: false });
    this.deps.onRoom?.(this, room, true);
  }

  private leave(room: string): undefined {
    const state = this.subs.leave(room);
    if (!state) return;
    this.deps.lifecycle.roomChanged(this.connectionId, room, null);
    this.deps.onRoom?.(this, room, false);
    if (state.canPresence) {
      this.deps.presence.leave(this.appId, room, this.connectionId).catch((error: unknown) => {
        this.log.warn('presence leave on room leave failed', { error: String(error) });
      });
    }
  }

  /**
   * A subscribe is a point in the stream. Without `fromSeq` that point is the room's latest seq when
   * the frame arrived (read before any later frame of this connection runs): the ack's `latestSeq`
   * is it, and every later seq reaches the subscription: what was published while the broker
   * binding was being made is replayed from history, then delivery goes live (see `Hub.subscribe`).
   * With `fromSeq` the replay starts there. Either way the ack follows the replayed messages.
   */
  private async subscribe(room: string, fromSeq: number | undefined): Promise<object | undefined> {
    const state = this.joined(room);
    if (!state.canSubscribe) throw denied(room, 'subscribe');
    const wasOn = state.messages === 'on';
    const { history } = this.deps;
    const canRead = this.principal.grants.can(room, 'history');
    if (wasOn) {
      if (fromSeq === undefined) return { latestSeq: await history.latestSeq(this.appId, room) };
      // Already live: the replay may overlap live delivery by a few seqs (the SDK drops repeats).
      return history.replay(this.appId, room, fromSeq, canRead, this.transport);
    }
    let startSeq: number | undefined;
    if (fromSeq === undefined) {
      const point = history.latestSeq(this.appId, room);
      this.intake.holdUntil(point);
      startSeq = await point;
    }
    const from = fromSeq ?? (startSeq as number) + 1;
    let replay: { replayed: number; latestSeq: number } | undefined;
    const catchUp: CatchUp = {
      fromSeq: from,
      run: async (fromSeq) => {
        const round = await history.replay(this.appId, room, fromSeq, canRead, this.transport);
        replay = { replayed: (replay?.replayed ?? 0) + round.replayed, latestSeq: round.latestSeq };
        return round.latestSeq;
      },
      maxHeldBytes: this.deps.limits.maxBufferedBytes,
      overflow: () => new RelayBoxError(ErrorCode.RateLimited, 'room too busy to catch up; subscribe again'),
    };
    if (!(await this.subs.subscribe(room, state, 'messages', catchUp))) return undefined;
    this.deps.lifecycle.roomChanged(this.connectionId, room, { subscribed: true });
    if (!replay) return { latestSeq: await history.latestSeq(this.appId, room) };
    return startSeq === undefined ? replay : { latestSeq: startSeq, replayed: replay.replayed };
  }

  private async presence(frame: PresenceFrame): Promise<undefined> {
    const state = this.joined(frame.room);
    if (!state.canPresence) throw denied(frame.room, 'presence');
    const { presence } = this.deps;
    const { user } = this.principal;
    // The member's identity comes from the token only; whatever `data` claims stays in `data`.
    const vouched = user ? { id: user.id, name: user.name ?? null, avatar: user.avatar ?? null } : undefined;
    const args = [
      this.appId,
      frame.room,
      this.principal.clientId,
      this.connectionId,
      frame.data,
      vouched,
    ] as const;
    if (frame.action === 'enter') await presence.enter(...args);
    else if (frame.action === 'update') await presence.update(...args);
    else await presence.leave(this.appId, frame.room, this.connectionId);
  }

  private async presenceSubscribe(room: string): Promise<undefined> {
    const state = this.joined(room);
    if (!state.canPresence) throw denied(room, 'presence');
    await this.subs.subscribe(room, state, 'presence');
  }

  private publish({ room, event, data, idempotencyKey, traceparent }: PublishFrame): Promise<object> {
    const state = this.joined(room);
    if (!state.canPublish) throw denied(room, 'publish');
    const { limits } = this.deps;
    this.bucket ??= new TokenBucket(limits.publishRatePerSecond, limits.publishBurst);
    if (!this.bucket.take()) {
      throw new RelayBoxError(ErrorCode.RateLimited, `publish rate above ${limits.publishRatePerSecond}/s`);
    }
    const { appId, clientId } = this.principal;
    const { connectionId } = this;
    return this.deps.publisher.publish({
      appId,
      room,
      event,
      data,
      clientId,
      idempotencyKey,
      connectionId,
      traceparent,
    });
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
    // Rights can shrink on refresh: leave what the new token no longer allows.
    for (const [room, state] of [...this.subs.rooms]) {
      const rights = this.roomRights(room);
      const lost =
        !next.grants.canAny(room) ||
        (state.messages !== 'none' && !rights.canSubscribe) ||
        (state.presence !== 'none' && !rights.canPresence) ||
        (state.metrics !== 'none' && !rights.canMetrics);
      if (lost) this.leave(room);
      else {
        const { canSubscribe, canPublish, canPresence, canMetrics } = rights;
        Object.assign(state, { canSubscribe, canPublish, canPresence, canMetrics });
      }
    }
    return { expiresAt: next.expiresAt };
  }

  private roomRights(room: string): JoinedRoom {
    const { grants } = this.principal;
    return {
      messages: 'none',
      presence: 'none',
      metrics: 'none',
      canSubscribe: grants.can(room, 'subscribe'),
      canPublish: grants.can(room, 'publish'),
      canPresence: grants.can(room, 'presence'),
      canMetrics: grants.can(room, 'metrics'),
    };
  }

  private joined(room: string): JoinedRoom {
    const state = this.subs.rooms.get(room);
    if (!state) throw new RelayBoxError(ErrorCode.NotJoined, `join "${room}" first`);
    return state;
  }

  private require(room: string, op: Operation): void {
    if (!this.principal.grants.can(room, op)) throw denied(room, op);
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
    if (this.transport.closed) return;
    this.transport.send(
      result === undefined
        ? `{"type":"ack","ref":${ref}}`
        : `{"type":"ack","ref":${ref},"result":${jsonOf(result)}}`,
    );
  }

  private replyError(ref: number | undefined, error: unknown): void {
    const rbError =
      error instanceof RelayBoxError
        ? error
        : new RelayBoxError(ErrorCode.Internal, 'internal error', { cause: error });
    if (!(error instanceof RelayBoxError)) this.log.error('request failed', { error: String(error) });
    if (error instanceof PermissionDeniedError) this.deps.onDenied?.(this, error.room, error.operation);
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

/** `permission_denied`, with the room and operation it was about (`join`: no operation at all). */
class PermissionDeniedError extends RelayBoxError {
  constructor(
    readonly room: string,
    readonly operation: Operation | 'join',
  ) {
    super(ErrorCode.PermissionDenied, `no permission to ${operation} "${room}"`);
  }
}

function denied(room: string, op: Operation | 'join'): RelayBoxError {
  return new PermissionDeniedError(room, op);
}
