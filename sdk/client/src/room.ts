import {
  DEFAULT_LIMITS,
  ErrorCode,
  type PublishAck,
  type PublishFrame,
  RelayBoxError,
  type RoomMessage,
} from '@relaybox/protocol';
import { Emitter } from './emitter.js';
import type { RequestFrame } from './request-tracker.js';
import { toRelayBoxError } from './to-relay-box-error.js';

export type MessageListener = (message: RoomMessage) => void;

export interface RoomEvents {
  /** A re-join after reconnecting was refused (the room is then left), or a subscribe/unsubscribe failed. */
  error: RelayBoxError;
}

export interface PublishOptions {
  /**
   * Sent with the publish for server-side deduplication. The gateway validates it today;
   * deduplication within a window ships with message history (see docs/protocol.md).
   */
  idempotencyKey?: string;
}

/** What a room needs from the client that owns it. */
export interface RoomHost {
  /** True while requests can be sent (the socket is connected). */
  readonly canSend: boolean;
  request<R>(frame: RequestFrame): Promise<R>;
  /** The room is no longer joined: stop routing messages to it and do not restore it. */
  forget(room: Room): void;
  /** Reports a problem that fails no request (the connection's 'error' event). */
  reportError(error: RelayBoxError): void;
}

interface Subscription {
  /** undefined: every event. */
  event: string | undefined;
  listener: MessageListener;
}

/**
 * A joined room. Listeners filter by event on the client; the server-side subscription is one
 * `subscribe` sent when the room gets its first listener and one `unsubscribe` when it loses its
 * last one. After a reconnect the client re-joins the room and re-subscribes it if it has listeners.
 */
export class Room {
  private readonly subscriptions: Subscription[] = [];
  private readonly events: Emitter<RoomEvents>;
  private attached = true;
  /** What the server was last asked for; reset when the socket goes. */
  private serverSubscribed = false;
  private subscribeGeneration = 0;

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
    if (!this.attached) throw this.notJoined();
    this.subscriptions.push(entry);
    this.syncSubscription();
    return () => this.remove((candidate) => candidate === entry);
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
    if (!this.attached) throw this.notJoined();
    checkName(event, 'event', DEFAULT_LIMITS.maxEventNameLength);
    const frame: Omit<PublishFrame, 'ref'> = { type: 'publish', room: this.name, event, data: data ?? null };
    if (options.idempotencyKey !== undefined) {
      checkName(options.idempotencyKey, 'idempotencyKey', DEFAULT_LIMITS.maxIdempotencyKeyLength);
      frame.idempotencyKey = options.idempotencyKey;
    }
    return this.host.request<PublishAck>(frame);
  }

  /** Leaves the room. Listeners are removed at once; while disconnected there is nothing to tell the server. */
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

  /** @internal Dispatches a message to the matching listeners; a throwing listener is reported and skipped. */
  deliver(message: RoomMessage): void {
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

  /** @internal After a reconnect: re-join, then re-subscribe. A refused re-join leaves the room. */
  restore(): void {
    this.host.request({ type: 'join', room: this.name }).then(
      () => this.syncSubscription(),
      (error: RelayBoxError) => {
        // connection_closed: the socket went again; the next reconnect restores the room.
        if (!this.attached || error.code === ErrorCode.ConnectionClosed) return;
        this.detach();
        this.events.emit('error', error);
      },
    );
  }

  /** @internal The socket is gone, and with it the server-side subscription. */
  resetSubscription(): void {
    this.serverSubscribed = false;
    this.subscribeGeneration++;
  }

  /** @internal Marks the room left and drops its listeners. */
  detach(): void {
    this.attached = false;
    this.subscriptions.length = 0;
    this.resetSubscription();
    this.host.forget(this);
  }

  private remove(matches: (subscription: Subscription) => boolean): void {
    for (let i = this.subscriptions.length - 1; i >= 0; i--) {
      if (matches(this.subscriptions[i]!)) this.subscriptions.splice(i, 1);
    }
    this.syncSubscription();
  }

  /** Sends `subscribe`/`unsubscribe` when having listeners and the server's view disagree. */
  private syncSubscription(): void {
    const wanted = this.attached && this.subscriptions.length > 0;
    if (wanted === this.serverSubscribed || !this.host.canSend) return;
    this.serverSubscribed = wanted;
    const generation = ++this.subscribeGeneration;
    this.host
      .request({ type: wanted ? 'subscribe' : 'unsubscribe', room: this.name })
      .catch((error: RelayBoxError) => {
        if (generation !== this.subscribeGeneration || !this.attached) return;
        // Not subscribed as far as we know: the next listener added retries.
        this.serverSubscribed = false;
        if (error.code !== ErrorCode.ConnectionClosed) this.events.emit('error', error);
      });
  }

  private notJoined(): RelayBoxError {
    return new RelayBoxError(ErrorCode.NotJoined, `room "${this.name}" has been left; join it again`);
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
