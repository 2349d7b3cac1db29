import {
  selectTraces,
  type TraceEvent,
  type TraceListener,
  type TraceLog,
  type TraceQuery,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** The ring buffer and followers that every `MemoryTraceLog` of one state shares (one process). */
export class MemoryTraceState {
  readonly ring: TraceEvent[] = [];
  readonly listeners = new Set<TraceListener>();
  constructor(readonly capacity = 10_000) {}

  clear(): void {
    this.ring.length = 0;
    this.listeners.clear();
  }
}

export interface MemoryTraceLogOptions {
  /** Share one state between several gateways of one process. Default: a state of its own. */
  state?: MemoryTraceState;
  /** Events kept when the log creates its own state. Default 10,000. */
  capacity?: number;
}

/**
 * `TraceLog` in memory (embedded engine): a capped array used as a ring. Appends cost O(batch)
 * amortised (the oldest half-capacity is dropped in one splice once the array reaches twice the
 * capacity, so memory stays within 2 × capacity events); followers are called synchronously.
 */
export class MemoryTraceLog implements TraceLog {
  private readonly state: MemoryTraceState;
  private readonly own = new Set<TraceListener>();
  private closed = false;

  constructor(options: MemoryTraceLogOptions = {}) {
    this.state = options.state ?? new MemoryTraceState(options.capacity);
  }

  async append(events: readonly TraceEvent[]): Promise<void> {
    this.check();
    const { ring, capacity, listeners } = this.state;
    for (const event of events) ring.push(event);
    if (ring.length >= capacity * 2) ring.splice(0, ring.length - capacity);
    for (const event of events) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A failing follower must not stop the others or the appender.
        }
      }
    }
  }

  async query(query: TraceQuery): Promise<TraceEvent[]> {
    this.check();
    const { ring, capacity } = this.state;
    const retained = ring.length > capacity ? ring.slice(ring.length - capacity) : ring;
    return selectTraces(retained, query);
  }

  follow(listener: TraceListener): () => void {
    // Each call gets its own wrapper so the same function can follow twice and stop independently.
    const wrapped: TraceListener = (event) => listener(event);
    this.state.listeners.add(wrapped);
    this.own.add(wrapped);
    return () => {
      this.state.listeners.delete(wrapped);
      this.own.delete(wrapped);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const listener of this.own) this.state.listeners.delete(listener);
    this.own.clear();
  }

  private check(): void {
    if (this.closed) throw new RelayBoxError(ErrorCode.StoreUnavailable, 'trace log is closed');
  }
}
