import { type Broker, nowMs, parseMessageFrame, SPANS_OFF, type SpanSink } from '@relaybox/core';
import type { TopicCounter } from './admin/counting-transport.js';
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
  ) {
    broker.onMessage((message) => {
      if (dropped && !message.room.includes('|')) {
        const frame = parseMessageFrame(message.payload);
        if (dropped.drops(frame, message.appId)) {
          dropped.report(frame, message.appId);
          return;
        }
      }
      const consumedAt = tracer.on ? Date.now() : 0;
      const consumedMs = spans.sink.on ? nowMs() : 0;
      const topic = roomTopic(message.appId, message.room);
      const deliveries = publishLocal(topic, message.payload);
      const taps = this.taps.get(topic);
      if (taps) for (const tap of taps) tap(message.payload);
      if (deliveries > 0) {
        const delivered = this.bindings.get(topic)?.delivered;
        if (delivered) {
          delivered.messages++;
          delivered.bytes += message.payload.length;
        }
      }
      if (message.room.includes('|')) return;
      if (observer && deliveries > 0) {
        observer.delivered(message.appId, message.room, deliveries, message.payload.length);
      }
      if (tracer.on)
        traceConsumed(tracer, message.appId, message.room, message.payload, deliveries, consumedAt);
      if (spans.sink.on && message.traceparent !== undefined && this.bindings.has(topic))
        recordDelivery(spans.sink, spans.nodeId, message, deliveries, consumedMs);
    });
  }

  /**
   * Calls `tap` with every message of the room (`room` may be a presence channel) that reaches this
   * node, until the returned function is called. For the inspector's frame recorder: one call per
   * message per tap, nothing when no tap is set.
   */
  tap(appId: string, room: string, tap: (payload: string) => void): () => void {
    const topic = roomTopic(appId, room);
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
      };
      this.bindings.set(topic, binding);
    }
    binding.subscribers++;
    this.report(appId, room, binding.subscribers, binding.subscribers === 1);
    let bound = false;
    try {
      await binding.ready;
      bound = true;
      if (catchUp) await this.catchUp(transport, topic, catchUp);
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
  private async catchUp(transport: Transport, topic: string, catchUp: CatchUp): Promise<void> {
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
          for (const payload of held) if (parseMessageFrame(payload).seq > upToSeq) transport.send(payload);
          return;
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
