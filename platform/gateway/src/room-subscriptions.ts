import type { CatchUp, Hub } from './hub.js';
import type { RoomMetricsFanout } from './metrics/room-metrics-fanout.js';
import { presenceChannel } from './presence-service.js';
import type { Transport } from './transport.js';

type SubState = 'none' | 'pending' | 'on';

/** One joined room of a connection: its subscriptions (messages, presence, metrics) and rights. */
export interface JoinedRoom {
  messages: SubState;
  presence: SubState;
  metrics: SubState;
  canSubscribe: boolean;
  canPublish: boolean;
  canPresence: boolean;
  canMetrics: boolean;
}

export type Channel = 'messages' | 'presence';

/** Per-room connection counts for room metrics. */
export interface MembershipObserver {
  joined(appId: string, room: string, delta: 1 | -1): void;
}

const topicRoom = (room: string, channel: Channel) => (channel === 'messages' ? room : presenceChannel(room));

/**
 * The rooms a connection joined and what it is subscribed to, kept consistent with the hub's
 * reference counts even when a subscribe is still binding when the room is left or the socket closes.
 */
export class RoomSubscriptions {
  readonly rooms = new Map<string, JoinedRoom>();
  /** Binds in flight by room and channel; made on the first subscribe (idle connections: issue 15). */
  private pending: Map<string, Promise<boolean>> | undefined;
  private ended = false;

  constructor(
    private readonly hub: Hub,
    private readonly transport: Transport,
    private readonly appId: string,
    private readonly metrics: RoomMetricsFanout,
    private readonly membership?: MembershipObserver,
  ) {}

  join(room: string, state: JoinedRoom): void {
    this.rooms.set(room, state);
    this.membership?.joined(this.appId, room, 1);
  }

  /** Room metrics pushes (at most one per second); synchronous: nothing to bind. */
  watchMetrics(room: string, state: JoinedRoom, on: boolean): void {
    if (on === (state.metrics === 'on')) return;
    if (on) this.metrics.watch(this.transport, this.appId, room);
    else this.metrics.unwatch(this.transport, this.appId, room);
    state.metrics = on ? 'on' : 'none';
  }

  /** Subscriptions that are on (for the slow-consumer sweep). */
  get active(): number {
    // Read for every connection 4 times a second (the slow-consumer sweep): an idle one allocates
    // no iterator.
    if (this.rooms.size === 0) return 0;
    let n = 0;
    for (const state of this.rooms.values()) {
      if (state.messages === 'on') n++;
      if (state.presence === 'on') n++;
    }
    return n;
  }

  /**
   * Resolves true once live delivery is on, false if the room was left (or the socket closed)
   * meanwhile. A second call while the first is still binding waits for the same outcome (its
   * `catchUp` is not run). `catchUp` runs before live delivery starts (see `Hub.subscribe`).
   */
  subscribe(room: string, state: JoinedRoom, channel: Channel, catchUp?: CatchUp): Promise<boolean> {
    if (state[channel] === 'on') return Promise.resolve(true);
    const key = `${channel}\u0000${room}`;
    this.pending ??= new Map();
    const pending = this.pending;
    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const attempt = this.bind(room, state, channel, catchUp).finally(() => pending.delete(key));
    pending.set(key, attempt);
    return attempt;
  }

  private async bind(
    room: string,
    state: JoinedRoom,
    channel: Channel,
    catchUp: CatchUp | undefined,
  ): Promise<boolean> {
    state[channel] = 'pending';
    try {
      await this.hub.subscribe(this.transport, this.appId, topicRoom(room, channel), catchUp);
    } catch (error) {
      if (state[channel] === 'pending') state[channel] = 'none';
      throw error;
    }
    if (this.ended || state[channel] !== 'pending' || this.rooms.get(room) !== state) {
      this.hub.unsubscribe(this.transport, this.appId, topicRoom(room, channel));
      return false;
    }
    state[channel] = 'on';
    return true;
  }

  unsubscribe(room: string, state: JoinedRoom, channel: Channel): void {
    if (state[channel] === 'none') return;
    if (state[channel] === 'on') this.hub.unsubscribe(this.transport, this.appId, topicRoom(room, channel));
    state[channel] = 'none';
  }

  leave(room: string): JoinedRoom | undefined {
    const state = this.rooms.get(room);
    if (!state) return undefined;
    this.rooms.delete(room);
    this.unsubscribe(room, state, 'messages');
    this.unsubscribe(room, state, 'presence');
    this.watchMetrics(room, state, false);
    this.membership?.joined(this.appId, room, -1);
    return state;
  }

  /** The socket closed: release every subscription (pending ones release themselves when they settle). */
  end(): void {
    this.ended = true;
    for (const room of [...this.rooms.keys()]) this.leave(room);
  }
}
