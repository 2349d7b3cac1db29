import {
  type Broker,
  type BrokerMessage,
  nowMs,
  parseMessageFrame,
  SPANS_OFF,
  type SpanSink,
} from '@relaybox/core';
import type { TopicCounter } from './admin/counting-transport.js';
import type { RoomHistory } from './room-history.js';
import type { FanoutDrop } from './test-drop-switch.js';
import { recordDelivery } from './tracing/message-spans.js';
import { traceConsumed } from './tracing/message-trace.js';
import { Tracer } from './tracing/tracer.js';
import type { Transport } from './transport.js';

/** The uWS topic of a room. App ids and room names cannot contain `|`, so apps never share a topic. */
export function roomTopic(appId: string, room: string): string {
  return `${appId}|${room}`;
}

/** What the hub reports to metrics; presence channels (`room|presence`) are not reported. */
export interface HubObserver {
  delivered(appId: string, room: string, deliveries: number, bytes: number): void;
  subscribers(appId: string, room: string, count: number): void;
  roomActive(appId: string, active: boolean): void;
}

interface Binding {
  appId: string;
  room: string;
  subscribers: number;
  ready: Promise<void>;
  /** Fanned out so far on this node (read by the inspector's per-connection counters). */
  delivered: TopicCounter;
  /** The highest seq of the room this node has fanned out or caught a subscriber up to (rooms only). */
  lastSeq: number | undefined;
  /** While a broker outage is being healed: where the heal starts, and the seqs that came live since. */
  healing?: { fromSeq: number; live: Set<number> };
}

/** A replay run before a subscriber goes live (see `Hub.subscribe`). */
/** Replay rounds of one catch-up before it gives up (a room publishing faster than it replays). */
const CATCH_UP_ROUNDS = 5;

export interface CatchUp {
  /** The first seq to replay. */
  fromSeq: number;
  /** Sends the messages from `fromSeq` on; resolves the last seq it covered. */
  run(fromSeq: number): Promise<number>;
  maxHeldBytes: number;
  overflow(): Error;
}

/** A room with local subscribers (presence channels excluded). */
export interface LocalRoom {
  appId: string;
  room: string;
  subscribers: number;
}

/**
 * Local fan-out of one gateway. Connections subscribe to room topics here; the hub keeps one broker
 * interest per room that has at least one local subscriber, and hands every message the broker
 * delivers to `publishLocal` (one uWS `app.publish` per message per node, never a loop over sockets).
 */
export class Hub {
  private readonly bindings = new Map<string, Binding>();
  /** Subscribers catching up from history: they get a topic's messages here until they go live. */
  private readonly taps = new Map<string, Set<(payload: string) => void>>();
  private readonly publishLocal: (topic: string, payload: string) => number;
  private readonly tracer: Tracer;
  private readonly spans: { sink: SpanSink; nodeId: string };
  private readonly dropped: FanoutDrop | undefined;
  /** Set when the broker connection was lost: the next 'connected' heals every bound room. */
  private brokerLost = false;
  /** Counts heals: one overtaken by a newer heal (lost and back again meanwhile) stops. */
  private healRun = 0;

  constructor(
    private readonly broker: Broker,
    /** Publishes to a uWS topic; returns how many local sockets it reached. */
    publishLocal: (topic: string, payload: string) => number,
    private readonly observer?: HubObserver,
    tracer: Tracer = Tracer.off,
    /** OpenTelemetry: a `relaybox.deliver` span per traced message fanned out here. */
    spans: { sink: SpanSink; nodeId: string } = { sink: SPANS_OFF, nodeId: '' },
    /** TEST-ONLY broken build; undefined in every real deployment. */
    dropped?: FanoutDrop,
    /**
     * Heals broker outages: a node whose broker connection dropped missed what was published
     * meanwhile (its queue and bindings went with the connection). When it is back, each bound room
     * is replayed from history into its topic from the first seq this node had not fanned out.
     * Without it (unit tests) an outage is healed only by the SDK's own gap recovery.
     */
    private readonly history?: RoomHistory,
  ) {
    this.publishLocal = publishLocal;
    this.tracer = tracer;
    this.spans = spans;
    this.dropped = dropped;
    broker.onMessage((message) => this.fanOut(message));
    broker.onStateChange((state) => {
      if (state === 'disconnected' || state === 'connecting') this.markLost();
      else if (state === 'connected' && this.brokerLost) {
        this.brokerLost = false;
        void this.heal();
      }
    });
  }

  private fanOut(message: BrokerMessage, healed = false): void {
    const { tracer, spans, dropped, observer } = this;
    const isRoom = !message.room.includes('|');
    if (dropped && isRoom && !healed) {
      const frame = parseMessageFrame(message.payload);
      if (dropped.drops(frame, message.appId)) {
        dropped.report(frame, message.appId);
        return;
      }
    }
    const consumedAt = tracer.on ? Date.now() : 0;
    const consumedMs = spans.sink.on ? nowMs() : 0;
    const topic = roomTopic(message.appId, message.room);
    const binding = this.bindings.get(topic);
    if (binding && isRoom && this.history) {
      const seq = seqOfFrame(message.payload);
      if (seq !== undefined) {
        if (binding.healing) {
          if (healed && binding.healing.live.has(seq)) return;
          if (!healed) binding.healing.live.add(seq);
        }
        if (binding.lastSeq === undefined || seq > binding.lastSeq) binding.lastSeq = seq;
      }
    }
    const deliveries = this.publishLocal(topic, message.payload);
    const taps = this.taps.get(topic);
    if (taps) for (const tap of taps) tap(message.payload);
    if (deliveries > 0 && binding) {
      binding.delivered.messages++;
      binding.delivered.bytes += message.payload.length;
    }
    if (!isRoom) return;
    if (observer && deliveries > 0) {
      observer.delivered(message.appId, message.room, deliveries, message.payload.length);
    }
    if (tracer.on)
      traceConsumed(tracer, message.appId, message.room, message.payload, deliveries, consumedAt);
    if (spans.sink.on && message.traceparent !== undefined && binding)
      recordDelivery(spans.sink, spans.nodeId, message, deliveries, consumedMs);
  }

  /** The broker connection is gone: remember, per bound room, the first seq that may be missed. */
  private markLost(): void {
    if (this.brokerLost || !this.history) return;
    this.brokerLost = true;
    for (const binding of this.bindings.values()) {
      if (binding.lastSeq === undefined || binding.healing) continue;
      binding.healing = { fromSeq: binding.lastSeq + 1, live: new Set() };
    }
  }

  /**
   * Replays every room marked by `markLost` from history into its topic (subscribers catching up
   * get the frames through their taps too). Seqs that already came live since are skipped; a room
   * whose history no longer holds the start gets a `discontinuity` frame first. Rooms one at a
   * time: a reconnect is rare, and the reads must not crowd out live traffic.
   */
  private async heal(): Promise<void> {
    const history = this.history;
    if (!history) return;
    const run = ++this.healRun;
    for (const [topic, binding] of [...this.bindings]) {
      const healing = binding.healing;
      if (!healing) continue;
      const { appId, room } = binding;
      const target = {
        closed: false,
        send: (frame: string) => {
          if (this.bindings.get(topic) !== binding) {
            target.closed = true;
            return false;
          }
          this.fanOut({ appId, room, payload: frame }, true);
          return true;
        },
      };
      try {
        await history.replay(appId, room, healing.fromSeq, true, target);
      } catch {
        // History unreachable: the SDK's gap recovery (a live seq beyond the next) still applies.
      }
      // Lost again meanwhile: the room keeps its (earlier) mark and the next heal replays it again,
      // up to a later latest seq. That heal may have started already (lost and back during this
      // replay): it must still find the mark, so an overtaken heal leaves every mark as it is.
      if (this.brokerLost || run !== this.healRun) return;
      if (binding.healing === healing) binding.healing = undefined;
    }
  }

  /**
   * Calls `tap` with every message of the room (`room` may be a presence channel) that reaches this
   * node, until the returned function is called. For the inspector's frame recorder: one call per
   * message per tap, nothing when no tap is set.
   */
  tap(appId: string, room: string, tap: (payload: string) => void): () => void {
    return this.tapTopic(roomTopic(appId, room), tap);
  }

  /** `tap` by uWS topic (a slowed connection's topics: see slow-reader.ts). */
  tapTopic(topic: string, tap: (payload: string) => void): () => void {
    const taps = this.taps.get(topic) ?? new Set();
    this.taps.set(topic, taps);
    taps.add(tap);
    return () => {
      taps.delete(tap);
      if (taps.size === 0 && this.taps.get(topic) === taps) this.taps.delete(topic);
    };
  }

  /** What this node fanned out on a topic so far; undefined when nobody here subscribes to it. */
  topicCounter(topic: string): TopicCounter | undefined {
    return this.bindings.get(topic)?.delivered;
  }

  /** Rooms with local subscribers, for the inspector's snapshots: O(rooms). */
  localRooms(): LocalRoom[] {
    const rooms: LocalRoom[] = [];
    for (const b of this.bindings.values()) {
      if (!b.room.includes('|')) rooms.push({ appId: b.appId, room: b.room, subscribers: b.subscribers });
    }
    return rooms;
  }

  /**
   * Resolves once messages of the room published from any gateway reach this transport.
   * With `catchUp`: once the broker binding is ready, `catchUp` sends what the subscriber missed
   * (a history replay) and resolves the last seq it covered; messages delivered here meanwhile are
   * held, and those above that seq are sent after it, before the transport goes live. Nothing falls
   * between the replay and live delivery; a message held and also still queued in uWS's topic may
   * arrive twice (first arrivals are in seq order).
   * Held messages are bounded by `maxHeldBytes` (see `catchUp`).
   */
  async subscribe(transport: Transport, appId: string, room: string, catchUp?: CatchUp): Promise<void> {
    const topic = roomTopic(appId, room);
    let binding = this.bindings.get(topic);
    if (!binding) {
      binding = {
        appId,
        room,
        subscribers: 0,
        ready: this.broker.subscribe(appId, room),
        delivered: { messages: 0, bytes: 0 },
        lastSeq: undefined,
      };
      this.bindings.set(topic, binding);
    }
    binding.subscribers++;
    this.report(appId, room, binding.subscribers, binding.subscribers === 1);
    let bound = false;
    try {
      await binding.ready;
      bound = true;
      if (catchUp) {
        const upToSeq = await this.catchUp(transport, topic, catchUp);
        if (binding.lastSeq === undefined || upToSeq > binding.lastSeq) binding.lastSeq = upToSeq;
      }
    } catch (error) {
      this.release(appId, room, topic, binding, bound);
      throw error;
    }
    transport.subscribe(topic);
  }

  /**
   * Replays, holding the live messages that arrive meanwhile; sends those above the replay's last
   * seq. Past `maxHeldBytes` the held messages are dropped and the next round replays from history
   * what they covered (they are all stored before they are published), at most `CATCH_UP_ROUNDS`.
   */
  private async catchUp(transport: Transport, topic: string, catchUp: CatchUp): Promise<number> {
    let fromSeq = catchUp.fromSeq;
    for (let round = 1; ; round++) {
      const held: string[] = [];
      let heldBytes = 0;
      const tap = (payload: string) => {
        heldBytes += payload.length;
        if (heldBytes <= catchUp.maxHeldBytes) held.push(payload);
      };
      const taps = this.taps.get(topic) ?? new Set();
      this.taps.set(topic, taps);
      taps.add(tap);
      try {
        const upToSeq = await catchUp.run(fromSeq);
        if (heldBytes <= catchUp.maxHeldBytes) {
          // uWS hands a topic's messages to its subscribers lazily (when it drains its topics):
          // some of these may reach the transport a second time once it subscribes. The order of
          // first arrival is the seq order; the SDK drops the repeats by seq.
          let last = upToSeq;
          for (const payload of held) {
            const seq = parseMessageFrame(payload).seq;
            if (seq > upToSeq) transport.send(payload);
            if (seq > last) last = seq;
          }
          return last;
        }
        if (round >= CATCH_UP_ROUNDS) throw catchUp.overflow();
        fromSeq = upToSeq + 1;
      } finally {
        taps.delete(tap);
        if (taps.size === 0) this.taps.delete(topic);
      }
    }
  }

  unsubscribe(transport: Transport, appId: string, room: string): void {
    const topic = roomTopic(appId, room);
    transport.unsubscribe(topic);
    const binding = this.bindings.get(topic);
    if (binding) this.release(appId, room, topic, binding, true);
  }

  private report(appId: string, room: string, subscribers: number, activated: boolean): void {
    if (!this.observer || room.includes('|')) return;
    this.observer.subscribers(appId, room, subscribers);
    if (activated) this.observer.roomActive(appId, true);
  }

  /** Rooms with local subscribers (for stats). */
  get roomCount(): number {
    return this.bindings.size;
  }

  private release(appId: string, room: string, topic: string, binding: Binding, bound: boolean): void {
    binding.subscribers--;
    this.report(appId, room, binding.subscribers, false);
    if (binding.subscribers > 0) return;
    if (this.observer && !room.includes('|')) this.observer.roomActive(appId, false);
    this.bindings.delete(topic);
    if (bound) this.broker.unsubscribe(appId, room);
  }
}

/**
 * The seq of a stored message frame without parsing it: frames are built as
 * `{"type":"message","id":<id>,"seq":<n>,...` (ids are generated by the gateways, never carry quotes).
 */
export function seqOfFrame(payload: string): number | undefined {
  const at = payload.indexOf(',"seq":');
  if (at < 0) return undefined;
  const seq = Number.parseInt(payload.slice(at + 7, at + 24), 10);
  return Number.isSafeInteger(seq) ? seq : undefined;
}
