import {
  DEFAULT_LIMITS,
  type DiscontinuityFrame,
  ErrorCode,
  type PresenceEventFrame,
  type PublishAck,
  type PublishFrame,
  RelayBoxError,
  type RoomMessage,
  type SubscribeFrame,
  TRACEPARENT_MAX_LENGTH,
} from '@relaybox/protocol';
import { Emitter } from './emitter.js';
import { GAP_WAIT_MS, OrderedDelivery } from './ordered-delivery.js';
import type { RequestFrame } from './request-tracker.js';
import { RoomHistory } from './room-history.js';
import { notJoined, type RoomHost } from './room-host.js';
import { RoomMetricsFeed } from './room-metrics.js';
import { RoomPresence } from './room-presence.js';
import { ServerSubscription } from './server-subscription.js';
import { toRelayBoxError } from './to-relay-box-error.js';

export type MessageListener = (message: RoomMessage) => void;

/**
 * A gap that could not be filled: messages from `fromSeq` to `oldestSeq - 1` are lost to this client
 * (history no longer held them, or the replay asked for a live gap failed).
 */
export interface DiscontinuityInfo {
  /** The first seq the client asked for when it re-subscribed. */
  fromSeq: number;
  /** Where delivery went on: the oldest seq history still held, or the first seq after a given-up gap. */
  oldestSeq: number;
}

export interface RoomEvents {
  /** A re-join after reconnecting was refused (the room is then left), or a (re-)subscribe, or a presence re-enter, failed. */
  error: RelayBoxError;
  /** Messages missed while disconnected are no longer in history: resync the app's state (e.g. with `history.get`). */
  discontinuity: DiscontinuityInfo;
}

export interface PublishOptions {
  /**
   * A publish repeated with the same key within the server's window (default 2 min) is stored and
   * delivered once; the repeat resolves with the original `{ id, seq, timestamp }`. Use it to retry
   * a publish whose outcome is unknown (a 'timeout' or 'connection_closed').
   */
  idempotencyKey?: string;
  /**
   * A W3C `traceparent` (e.g. of your OpenTelemetry span): the gateway's spans of this message join
   * that trace when it exports OpenTelemetry spans.
   */
  traceparent?: string;
}

interface Subscription {
  /** undefined: every event. */
  event: string | undefined;
  listener: MessageListener;
}

/**
 * A joined room. Listeners filter by event on the client; the server-side subscription is one
 * `subscribe` sent when the room gets its first listener and one `unsubscribe` when it loses its
 * last one. After a reconnect the client re-joins the room and re-subscribes it if it has listeners,
 * asking for the messages missed meanwhile (`fromSeq`): each seq is delivered at most once, and
 * while subscribed none is skipped unless a 'discontinuity' says so.
 */
export class Room {
  /** Presence of this room (needs the `presence` permission). */
  readonly presence: RoomPresence;
  /** The room's figures across the cluster, pushed at most once per second (needs `metrics`). */
  readonly metrics: RoomMetricsFeed;
  /** Stored messages of this room (needs the `history` permission). */
  readonly history: RoomHistory;
  private readonly subscriptions: Subscription[] = [];
  private readonly events: Emitter<RoomEvents>;
  private readonly ordering = new OrderedDelivery(
    (message) => this.dispatch(message),
    GAP_WAIT_MS,
    () => this.server.resubscribe(),
    (fromSeq, nextSeq) => this.events.emit('discontinuity', { fromSeq, oldestSeq: nextSeq }),
  );
  private readonly server: ServerSubscription;
  private attached = true;

  /** @internal Rooms are created by `relay.join()`. */
  constructor(
    readonly name: string,
    private readonly host: RoomHost,
  ) {
    this.events = new Emitter<RoomEvents>((error) =>
      host.reportError(
        toRelayBoxError(error, ErrorCode.Internal, `an error listener of room "${name}" threw`),
      ),
    );
    const isJoined = () => this.attached;
    const reportError = (error: RelayBoxError) => this.events.emit('error', error);
    this.presence = new RoomPresence(name, host, isJoined, reportError);
    this.metrics = new RoomMetricsFeed(name, host, isJoined, reportError);
    this.history = new RoomHistory(name, host, isJoined);
    this.server = new ServerSubscription(host, {
      subscribe: () => this.subscribeFrame(),
      unsubscribe: { type: 'unsubscribe', room: name },
      onSubscribed: (result) => this.onSubscribed(result),
      onError: (error) => {
        this.ordering.endCatchUp();
        reportError(error);
      },
    });
  }

  /** False once the room was left (by `leave()`, `relay.close()`, or a refused re-join). */
  get joined(): boolean {
    return this.attached;
  }

  /** Calls `listener` for every message of the room (or of one event). Returns a function that removes it. */
  subscribe(listener: MessageListener): () => void;
  subscribe(event: string, listener: MessageListener): () => void;
  subscribe(eventOrListener: string | MessageListener, maybeListener?: MessageListener): () => void {
    const entry: Subscription =
      typeof eventOrListener === 'function'
        ? { event: undefined, listener: eventOrListener }
        : { event: eventOrListener, listener: maybeListener! };
    if (typeof entry.listener !== 'function') {
      throw new RelayBoxError(ErrorCode.InvalidRequest, 'subscribe needs a listener function');
    }
    if (!this.attached) throw notJoined(this.name);
    this.subscriptions.push(entry);
    this.server.sync(true);
    return () => this.remove((candidate) => candidate === entry);
  }

  /**
   * Resolves once the server has accepted the room's subscription (made by the first `subscribe`):
   * from then on every message published to the room, by any connection, gateway or the REST API,
   * reaches the listeners. Await it before your backend publishes something they must not miss.
   * Resolves at once when the subscription is in place, after the messages its ack covered were
   * delivered. Rejects with the server's refusal (e.g. 'permission_denied', also emitted as
   * 'error'), 'connection_closed' when not connected or the connection drops first (the SDK
   * subscribes again after the reconnect: call it again), 'not_joined' once the room is left, and
   * 'invalid_request' without listeners or when the last one is removed first.
   */
  ready(): Promise<void> {
    if (!this.attached) return Promise.reject(notJoined(this.name));
    if (this.subscriptions.length === 0) {
      return Promise.reject(new RelayBoxError(ErrorCode.InvalidRequest, 'no listener'));
    }
    return this.server.accepted();
  }

  /**
   * Removes listeners: all of them, those of one event, or one function (for every event, or for one).
   * `unsubscribe(fn)` removes `fn` wherever it was added; `unsubscribe('event')` every listener of that event.
   */
  unsubscribe(eventOrListener?: string | MessageListener, listener?: MessageListener): void {
    if (typeof eventOrListener === 'function') {
      this.remove((s) => s.listener === eventOrListener);
    } else if (eventOrListener === undefined) {
      this.remove(() => true);
    } else {
      this.remove((s) => s.event === eventOrListener && (listener === undefined || s.listener === listener));
    }
  }

  on<K extends keyof RoomEvents>(event: K, listener: (payload: RoomEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof RoomEvents>(event: K, listener: (payload: RoomEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  /** Publishes to the room; resolves with the message's id and seq once the server has stored it. */
  async publish(event: string, data: unknown, options: PublishOptions = {}): Promise<PublishAck> {
    if (!this.attached) throw notJoined(this.name);
    checkName(event, 'event', DEFAULT_LIMITS.maxEventNameLength);
    const frame: Omit<PublishFrame, 'ref'> = { type: 'publish', room: this.name, event, data: data ?? null };
    if (options.idempotencyKey !== undefined) {
      checkName(options.idempotencyKey, 'idempotencyKey', DEFAULT_LIMITS.maxIdempotencyKeyLength);
      frame.idempotencyKey = options.idempotencyKey;
    }
    if (options.traceparent !== undefined) {
      checkName(options.traceparent, 'traceparent', TRACEPARENT_MAX_LENGTH);
      frame.traceparent = options.traceparent;
    }
    return this.host.request<PublishAck>(frame);
  }

  /**
   * Leaves the room, and with it the room's presence set (the server does both on `leave`).
   * Listeners are removed at once; while disconnected there is nothing to tell the server now (the
   * client tells a resumed connection).
   */
  async leave(): Promise<void> {
    if (!this.attached) return;
    this.detach();
    if (!this.host.canSend) return;
    try {
      await this.host.request({ type: 'leave', room: this.name });
    } catch (error) {
      const code = (error as RelayBoxError).code;
      // A closed socket or a server that already forgot the room: either way the room is left.
      if (code !== ErrorCode.ConnectionClosed && code !== ErrorCode.NotJoined) throw error;
    }
  }

  /**
   * @internal Dispatches a message to the matching listeners, unless its seq was delivered already;
   * a throwing listener is reported and skipped. Without listeners nothing is tracked.
   */
  deliver(message: RoomMessage): void {
    if (this.subscriptions.length === 0) return;
    this.ordering.push(message);
  }

  /** Fans a message (in order, once) out to the matching listeners. */
  private dispatch(message: RoomMessage): void {
    for (const { event, listener } of [...this.subscriptions]) {
      if (event !== undefined && event !== message.event) continue;
      try {
        listener(message);
      } catch (error) {
        this.host.reportError(
          toRelayBoxError(error, ErrorCode.Internal, `a listener of room "${this.name}" threw`),
        );
      }
    }
  }

  /** @internal History no longer covers what a `subscribe` with `fromSeq` asked for. */
  discontinuity(frame: DiscontinuityFrame): void {
    if (!this.attached || !Number.isSafeInteger(frame.oldestSeq)) return;
    this.ordering.skipTo(frame.oldestSeq);
    this.events.emit('discontinuity', { fromSeq: frame.fromSeq, oldestSeq: frame.oldestSeq });
  }

  /** @internal A presence event of this room. */
  receivePresence(frame: PresenceEventFrame): void {
    if (this.attached) this.presence.receive(frame);
  }

  /**
   * @internal After a reconnect: re-join, then re-subscribe (from the seq after the last one
   * delivered) and restore presence. A refused re-join leaves the room.
   */
  restore(resumed: boolean): void {
    this.host.request({ type: 'join', room: this.name }).then(
      () => {
        if (!this.attached) return;
        this.server.restore(this.subscriptions.length > 0, resumed);
        this.presence.restore(resumed);
        this.metrics.restore(resumed);
      },
      (error: RelayBoxError) => {
        // connection_closed: the socket went again; the next reconnect restores the room.
        if (!this.attached || error.code === ErrorCode.ConnectionClosed) return;
        this.detach();
        this.events.emit('error', error);
      },
    );
  }

  /** @internal The socket is gone, and with it the server-side subscriptions. */
  resetSubscription(): void {
    this.server.reset();
    this.ordering.reset();
    this.presence.reset();
    this.metrics.reset();
  }

  /** @internal Marks the room left and drops its listeners (presence ones included). */
  detach(): void {
    this.attached = false;
    this.subscriptions.length = 0;
    this.server.detach(notJoined(this.name));
    this.ordering.clear();
    this.presence.detach();
    this.metrics.detach();
    this.host.forget(this);
  }

  private remove(matches: (subscription: Subscription) => boolean): void {
    for (let i = this.subscriptions.length - 1; i >= 0; i--) {
      if (matches(this.subscriptions[i]!)) this.subscriptions.splice(i, 1);
    }
    // Listening again later is a new subscription: it does not ask for what was missed meanwhile.
    if (this.subscriptions.length === 0) this.ordering.clear();
    this.server.sync(this.subscriptions.length > 0);
  }

  /** The subscribe ack (`{ latestSeq }`, or `{ replayed, latestSeq }` after a `fromSeq`). */
  private onSubscribed(result: unknown): void {
    const latestSeq = (result as { latestSeq?: unknown } | undefined)?.latestSeq;
    if (typeof latestSeq === 'number' && Number.isSafeInteger(latestSeq) && latestSeq >= 0) {
      this.ordering.baseline(latestSeq);
    }
    this.ordering.endCatchUp();
  }

  private subscribeFrame(): RequestFrame {
    const frame: Omit<SubscribeFrame, 'ref'> = { type: 'subscribe', room: this.name };
    const lastSeq = this.ordering.seqs.lastSeq;
    if (lastSeq !== undefined) {
      frame.fromSeq = Math.max(1, lastSeq + 1);
      this.ordering.beginCatchUp();
    }
    return frame;
  }
}

function checkName(value: unknown, field: string, max: number): void {
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `${field} must be a non-empty string of at most ${max} characters`,
    );
  }
}
