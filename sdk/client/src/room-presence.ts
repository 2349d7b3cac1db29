import { ErrorCode, type PresenceEventFrame, type PresenceMember, RelayBoxError } from '@relaybox/protocol';
import { notJoined, type RoomHost } from './room-host.js';
import { ServerSubscription } from './server-subscription.js';
import { toRelayBoxError } from './to-relay-box-error.js';

export type PresenceAction = PresenceEventFrame['action'];

/** A change of a room's presence set. */
export interface PresenceEvent {
  action: PresenceAction;
  /** The member after the change (for 'leave': as it was). */
  member: PresenceMember;
}

export type PresenceListener = (event: PresenceEvent) => void;

interface PresenceSubscription {
  /** undefined: every action. */
  action: PresenceAction | undefined;
  listener: PresenceListener;
}

/** What the app asked for and the server did not refuse. */
interface Intent {
  entered: boolean;
  data: unknown;
}

/**
 * `room.presence`: this connection's membership of the room's presence set, and the set itself.
 *
 * Contracts:
 * - enter/update/leave run one at a time, in call order (the server applies them in that order).
 * - `enter`/`update` reject at once with 'connection_closed' while disconnected (nothing is queued).
 *   `leave` resolves then: the SDK makes it hold after the reconnect.
 * - After a reconnect that did not resume, the SDK enters again with the latest data if the app
 *   had entered and not left. A resumed connection kept its membership; the SDK only repeats what
 *   a request cut off by the drop may have left undone.
 * - Presence listeners are one server-side `presence.subscribe`, re-sent after every reconnect.
 *   Changes that happened while disconnected are not replayed: call `get()` to resync.
 */
export class RoomPresence {
  private readonly subscriptions: PresenceSubscription[] = [];
  private readonly server: ServerSubscription;
  private intent: Intent = { entered: false, data: undefined };
  /** A request was cut off by a drop: the server may not match `intent`. */
  private uncertain = false;
  /** The server may not match `intent` on this socket until a restore or a request succeeds. */
  private stale = false;
  private queue: Promise<unknown> = Promise.resolve();

  /** @internal Created by the room. */
  constructor(
    private readonly room: string,
    private readonly host: RoomHost,
    private readonly isJoined: () => boolean,
    private readonly onError: (error: RelayBoxError) => void,
  ) {
    this.server = new ServerSubscription(host, {
      subscribe: () => ({ type: 'presence.subscribe', room }),
      unsubscribe: { type: 'presence.unsubscribe', room },
      onSubscribed: () => {},
      onError,
    });
  }

  /**
   * Enters the room's presence set with `data` (any JSON of at most `maxPresenceDataBytes` once
   * serialized; larger rejects with 'presence_data_too_large'). Entering again replaces the data.
   */
  enter(data?: unknown): Promise<void> {
    return this.change('enter', data);
  }

  /** Replaces this connection's presence data; rejects with 'invalid_request' when not entered. */
  update(data: unknown): Promise<void> {
    return this.change('update', data);
  }

  /** Leaves the presence set (no-op when not entered). */
  leave(): Promise<void> {
    if (!this.isJoined()) return Promise.reject(notJoined(this.room));
    return this.enqueue(async () => {
      if (!this.isJoined() || (!this.intent.entered && !this.uncertain)) return;
      this.intent = { entered: false, data: undefined };
      await this.send('leave', undefined).catch((error: RelayBoxError) => {
        if (error.code !== ErrorCode.ConnectionClosed) throw error;
      });
    });
  }

  /** Every member of the room's presence set. */
  async get(): Promise<PresenceMember[]> {
    if (!this.isJoined()) throw notJoined(this.room);
    const result = await this.host.request<{ members?: unknown } | undefined>({
      type: 'presence.get',
      room: this.room,
    });
    if (!Array.isArray(result?.members)) {
      throw new RelayBoxError(ErrorCode.Internal, 'presence.get answered without { members }');
    }
    return result.members as PresenceMember[];
  }

  /** Calls `listener` for every presence change (or those of one action); returns a function that removes it. */
  subscribe(listener: PresenceListener): () => void;
  subscribe(action: PresenceAction, listener: PresenceListener): () => void;
  subscribe(
    actionOrListener: PresenceAction | PresenceListener,
    maybeListener?: PresenceListener,
  ): () => void {
    const entry: PresenceSubscription =
      typeof actionOrListener === 'function'
        ? { action: undefined, listener: actionOrListener }
        : { action: actionOrListener, listener: maybeListener! };
    if (typeof entry.listener !== 'function') {
      throw new RelayBoxError(ErrorCode.InvalidRequest, 'presence.subscribe needs a listener function');
    }
    if (entry.action !== undefined && !['enter', 'update', 'leave'].includes(entry.action)) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, 'action must be "enter", "update" or "leave"');
    }
    if (!this.isJoined()) throw notJoined(this.room);
    this.subscriptions.push(entry);
    this.server.sync(true);
    return () => {
      const index = this.subscriptions.indexOf(entry);
      if (index >= 0) this.subscriptions.splice(index, 1);
      this.server.sync(this.subscriptions.length > 0);
    };
  }

  /** @internal Dispatches a presence event; a throwing listener is reported and skipped. */
  receive(frame: PresenceEventFrame): void {
    const event: PresenceEvent = { action: frame.action, member: frame.member };
    for (const { action, listener } of [...this.subscriptions]) {
      if (action !== undefined && action !== event.action) continue;
      try {
        listener(event);
      } catch (error) {
        this.host.reportError(
          toRelayBoxError(error, ErrorCode.Internal, `a presence listener of room "${this.room}" threw`),
        );
      }
    }
  }

  /** @internal The room was joined again after a reconnect. */
  restore(resumed: boolean): void {
    this.server.restore(this.subscriptions.length > 0, resumed);
    if (!resumed) this.uncertain = false; // a fresh connection holds nothing of ours
    void this.enqueue(async () => {
      if (!this.stale || !this.isJoined()) return;
      // Fresh connection: nothing of ours is there. Resumed: only a cut-off request can differ.
      const repeat = resumed ? this.uncertain : this.intent.entered;
      if (!repeat) return;
      const { entered, data } = this.intent;
      try {
        await this.send(entered ? 'enter' : 'leave', data);
      } catch (error) {
        const failure = error as RelayBoxError;
        if (failure.code === ErrorCode.ConnectionClosed) return;
        if (entered) this.intent = { entered: false, data: undefined };
        this.onError(failure);
      }
    });
  }

  /** @internal The socket is gone. */
  reset(): void {
    this.server.reset();
    this.stale = true;
  }

  /** @internal The room was left: listeners and membership go with it. */
  detach(): void {
    this.subscriptions.length = 0;
    this.server.detach();
    this.intent = { entered: false, data: undefined };
    this.uncertain = false;
  }

  private change(action: 'enter' | 'update', data: unknown): Promise<void> {
    if (!this.isJoined()) return Promise.reject(notJoined(this.room));
    let size: number;
    try {
      size = new TextEncoder().encode(JSON.stringify(data ?? null)).length;
    } catch (cause) {
      return Promise.reject(
        new RelayBoxError(ErrorCode.InvalidRequest, 'presence data must be JSON-serializable', { cause }),
      );
    }
    const max = this.host.maxPresenceDataBytes;
    if (size > max) {
      return Promise.reject(
        new RelayBoxError(ErrorCode.PresenceDataTooLarge, `presence data of ${size} bytes exceeds ${max}`),
      );
    }
    if (!this.host.canSend) {
      return Promise.reject(new RelayBoxError(ErrorCode.ConnectionClosed, 'not connected'));
    }
    return this.enqueue(async () => {
      if (!this.isJoined()) throw notJoined(this.room);
      if (action === 'update' && !this.intent.entered) {
        throw new RelayBoxError(
          ErrorCode.InvalidRequest,
          `enter the presence of "${this.room}" before updating it`,
        );
      }
      await this.send(action, data);
      this.intent = { entered: true, data };
    });
  }

  /**
   * Sends one presence request. Success means the server now matches `intent`; a drop while it was
   * in flight leaves the outcome unknown, for `restore` to settle.
   */
  private async send(action: 'enter' | 'update' | 'leave', data: unknown): Promise<void> {
    const frame =
      action === 'leave'
        ? ({ type: 'presence', room: this.room, action } as const)
        : ({ type: 'presence', room: this.room, action, data: data ?? null } as const);
    const sent = this.host.canSend;
    try {
      await this.host.request(frame);
    } catch (error) {
      // A leave the server did not get must still happen if the connection resumes.
      const cutOff = (error as RelayBoxError).code === ErrorCode.ConnectionClosed;
      if (cutOff && (sent || action === 'leave')) this.uncertain = true;
      throw error;
    }
    this.uncertain = false;
    this.stale = false;
  }

  /** Runs presence requests one at a time; a failure never blocks the next. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }
}
