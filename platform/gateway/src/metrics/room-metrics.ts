import type { RoomMetrics, RoomMetricsStore, RoomSample } from '@relaybox/core';

/** A room's cluster-wide figures as pushed to metrics subscribers. */
export interface RoomMetricsUpdate extends RoomMetrics {
  /** Present when the aggregator was given `countPresence`. */
  presenceMembers?: number;
}

/** Receives a room's figures at most once per interval. The object is shared: do not mutate it. */
export type RoomMetricsListener = (metrics: RoomMetricsUpdate) => void;

export interface RoomMetricsAggregatorOptions {
  /** This gateway's identity in the store (unique per process start). */
  gatewayId: string;
  store: RoomMetricsStore;
  /** Flush and push period in ms. Default 1000. */
  intervalMs?: number;
  /** Adds `presenceMembers` to pushed figures: called once per watched room per interval. */
  countPresence?: (appId: string, room: string) => Promise<number>;
  /** A failed flush, read or listener; the aggregator carries on. Default: ignored. */
  onError?: (operation: 'flush' | 'read' | 'listener', error: unknown) => void;
  /** Measures flush intervals. Default Date.now. */
  clock?: () => number;
}

/** What this gateway counted of one room since the last flush, and who watches it here. */
interface RoomCounters {
  readonly appId: string;
  readonly room: string;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  subscribers: number;
  connections: number;
  /** The store holds this gateway's figures of the room: a room that goes quiet sends one removal. */
  reported: boolean;
  listeners: Set<RoomMetricsListener> | undefined;
}

/**
 * The gateway side of room metrics. Hot paths count into a Map (O(1), no allocation once the room
 * is known); once per interval one `store.flush` carries every room with activity, subscribers or
 * connections (plus one removal per room that went quiet), and for each room with at least one local
 * metrics listener one `store.read` (not one per listener) feeds every listener of the room. So a
 * listener is called at most once per interval, and no read happens for rooms nobody watches here.
 *
 * A slow store never stacks work: an interval that finds the previous one still running is skipped,
 * and the next flush covers the longer interval (rates stay per second).
 */
export class RoomMetricsAggregator {
  private readonly apps = new Map<string, Map<string, RoomCounters>>();
  private readonly watched = new Set<RoomCounters>();
  private readonly intervalMs: number;
  private readonly clock: () => number;
  private readonly onError: NonNullable<RoomMetricsAggregatorOptions['onError']>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastFlushAt = 0;
  private stopped = false;

  constructor(private readonly options: RoomMetricsAggregatorOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.clock = options.clock ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.lastFlushAt = this.clock();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Stops the timer, waits for a running interval, and removes this gateway's figures from the store
   * at once (instead of letting them go stale). Listeners are dropped. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    const removals: RoomSample[] = [];
    for (const rooms of this.apps.values()) {
      for (const c of rooms.values()) if (c.reported) removals.push(emptySample(c.appId, c.room));
    }
    this.apps.clear();
    this.watched.clear();
    if (removals.length === 0) return;
    await this.options.store
      .flush(this.options.gatewayId, removals, this.intervalMs)
      .catch((error: unknown) => this.onError('flush', error));
  }

  /** One message accepted into the room through this gateway. */
  recordPublish(appId: string, room: string, payloadBytes: number): void {
    const c = this.counters(appId, room);
    c.messagesIn++;
    c.bytesIn += payloadBytes;
  }

  /** One message of the room fanned out to `deliveries` local subscribers. */
  recordDelivery(appId: string, room: string, deliveries: number, payloadBytes: number): void {
    if (deliveries <= 0) return;
    const c = this.counters(appId, room);
    c.messagesOut += deliveries;
    c.bytesOut += deliveries * payloadBytes;
  }

  /** This gateway's connections subscribed to the room's messages. */
  setSubscribers(appId: string, room: string, subscribers: number): void {
    const c = subscribers > 0 ? this.counters(appId, room) : this.find(appId, room);
    if (c) c.subscribers = subscribers;
  }

  addSubscribers(appId: string, room: string, delta: number): void {
    const c = this.counters(appId, room);
    c.subscribers = Math.max(0, c.subscribers + delta);
  }

  /** This gateway's connections that joined the room. */
  setConnections(appId: string, room: string, connections: number): void {
    const c = connections > 0 ? this.counters(appId, room) : this.find(appId, room);
    if (c) c.connections = connections;
  }

  addConnections(appId: string, room: string, delta: number): void {
    const c = this.counters(appId, room);
    c.connections = Math.max(0, c.connections + delta);
  }

  /** Calls `listener` with the room's cluster-wide figures once per interval; returns the unsubscribe. */
  subscribe(appId: string, room: string, listener: RoomMetricsListener): () => void {
    if (this.stopped) return () => {};
    const c = this.counters(appId, room);
    c.listeners ??= new Set();
    c.listeners.add(listener);
    this.watched.add(c);
    return () => this.unsubscribe(appId, room, listener);
  }

  unsubscribe(appId: string, room: string, listener: RoomMetricsListener): void {
    const c = this.find(appId, room);
    if (!c?.listeners?.delete(listener) || c.listeners.size > 0) return;
    c.listeners = undefined;
    this.watched.delete(c);
  }

  /** Rooms with at least one local metrics listener. */
  get watchedRooms(): number {
    return this.watched.size;
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.flush()
      .then(() => this.push())
      .finally(() => {
        this.running = undefined;
      });
  }

  private async flush(): Promise<void> {
    const now = this.clock();
    const intervalMs = Math.max(1, now - this.lastFlushAt);
    this.lastFlushAt = now;
    const samples = this.collect();
    if (samples.length === 0) return;
    await this.options.store
      .flush(this.options.gatewayId, samples, intervalMs)
      .catch((error: unknown) => this.onError('flush', error));
  }

  /** Takes the interval's samples, resets the counts, and forgets rooms with nothing left to report. */
  private collect(): RoomSample[] {
    const samples: RoomSample[] = [];
    for (const [appId, rooms] of this.apps) {
      for (const [room, c] of rooms) {
        if (c.messagesIn > 0 || c.messagesOut > 0 || c.subscribers > 0 || c.connections > 0) {
          const { messagesIn, messagesOut, bytesIn, bytesOut, subscribers, connections } = c;
          samples.push({ appId, room, messagesIn, messagesOut, bytesIn, bytesOut, subscribers, connections });
          c.messagesIn = c.messagesOut = c.bytesIn = c.bytesOut = 0;
          c.reported = true;
          continue;
        }
        if (c.reported) {
          samples.push(emptySample(appId, room));
          c.reported = false;
        }
        if (!c.listeners) rooms.delete(room);
      }
      if (rooms.size === 0) this.apps.delete(appId);
    }
    return samples;
  }

  private async push(): Promise<void> {
    const { store, countPresence } = this.options;
    await Promise.all(
      [...this.watched].map(async (c) => {
        let update: RoomMetricsUpdate;
        try {
          const [metrics, presenceMembers] = await Promise.all([
            store.read(c.appId, c.room),
            countPresence?.(c.appId, c.room),
          ]);
          update = presenceMembers === undefined ? metrics : { ...metrics, presenceMembers };
        } catch (error) {
          this.onError('read', error);
          return;
        }
        for (const listener of c.listeners ?? []) {
          try {
            listener(update);
          } catch (error) {
            this.onError('listener', error);
          }
        }
      }),
    );
  }

  private find(appId: string, room: string): RoomCounters | undefined {
    return this.apps.get(appId)?.get(room);
  }

  private counters(appId: string, room: string): RoomCounters {
    let rooms = this.apps.get(appId);
    if (!rooms) {
      rooms = new Map();
      this.apps.set(appId, rooms);
    }
    let c = rooms.get(room);
    if (!c) {
      c = {
        appId,
        room,
        messagesIn: 0,
        messagesOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        subscribers: 0,
        connections: 0,
        reported: false,
        listeners: undefined,
      };
      rooms.set(room, c);
    }
    return c;
  }
}

function emptySample(appId: string, room: string): RoomSample {
  return {
    appId,
    room,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    subscribers: 0,
    connections: 0,
  };
}
