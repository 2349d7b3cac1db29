import { randomBytes } from 'node:crypto';
import type { TraceEvent, TraceEventType, TraceLog } from '@relaybox/core';

/** What an emission point knows; the tracer adds id, ts, gateway and type. */
export type TraceFields = Omit<TraceEvent, 'id' | 'ts' | 'gateway' | 'type'>;

export interface TracerOptions {
  /** Buffered events are appended to the log on this period, in ms. Default 50. */
  flushMs?: number;
  /** Events buffered at most while the log is slow or down; newer ones are dropped (and counted). */
  maxBuffered?: number;
  onError?: (error: unknown) => void;
}

/**
 * Emits this gateway's trace events into the shared `TraceLog`.
 *
 * Hot-path contract: emission points test `tracer.on` (one boolean) before building any event, so a
 * gateway with tracing off pays nothing else. With tracing on, `emit` only pushes onto an in-memory
 * buffer; a timer appends the buffer as one batch every `flushMs` (one round trip on Redis,
 * never one per event). At most one append is in flight; a full buffer drops new events.
 */
export class Tracer {
  static readonly off = new Tracer(undefined, '');

  readonly on: boolean;
  /** Events dropped because the buffer was full (the log was slow or unreachable). */
  dropped = 0;
  private buffer: TraceEvent[] = [];
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextId = 0;
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly log: TraceLog | undefined,
    private readonly nodeId: string,
    options: TracerOptions = {},
  ) {
    this.on = log !== undefined;
    this.flushMs = options.flushMs ?? 50;
    this.maxBuffered = options.maxBuffered ?? 20_000;
    this.onError = options.onError ?? (() => {});
  }

  /** Buffers one event. `ts` defaults to now (pass the time an earlier step happened). */
  emit(type: TraceEventType, fields: TraceFields, ts = Date.now()): void {
    if (!this.on) return;
    if (this.buffer.length >= this.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push({ id: `${this.idPrefix}-${++this.nextId}`, ts, gateway: this.nodeId, type, ...fields });
  }

  start(): void {
    if (!this.on || this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Appends what is buffered (waits for an append already in flight first). */
  async flush(): Promise<void> {
    if (!this.log) return;
    if (this.flushing) return this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.log
      .append(batch)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Stops the timer and appends what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.flush();
  }
}
