import type { Sampler } from './sampler.js';
import type { TraceContext } from './trace-context.js';

/** OTLP span kinds (opentelemetry-proto `Span.SpanKind`). */
export const SpanKind = {
  Internal: 1,
  Server: 2,
  Client: 3,
  Producer: 4,
  Consumer: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export type SpanAttributeValue = string | number | boolean;

/** One finished span, as emission points hand it to a `SpanSink`. */
export interface SpanRecord {
  /** Its own context: trace id and span id. */
  context: TraceContext;
  /** The parent span's id (same trace); none for a root span. */
  parentSpanId?: string | undefined;
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch, fractional (see `nowMs`). */
  startMs: number;
  endMs: number;
  attributes: Record<string, SpanAttributeValue | undefined>;
  /** Set when the operation failed: the span's status becomes ERROR with this message. */
  error?: string | undefined;
}

/**
 * Where finished spans go. Hot-path contract (as the inspector's `Tracer`): emission points test
 * `sink.on` (one boolean) before taking a timestamp or building a span, so a process without an
 * OTLP endpoint pays nothing else. `record` never blocks and never throws: a full queue drops the
 * span (and counts it).
 */
export interface SpanSink {
  readonly on: boolean;
  record(span: SpanRecord): void;
  /** Decides which new traces are recorded (`OTEL_TRACES_SAMPLER`); absent: every one (parent-based). */
  readonly sampler?: Sampler;
}

/** The sink of a process without an OTLP endpoint. */
export const SPANS_OFF: SpanSink = Object.freeze({ on: false, record: () => {} });

/** Now, in fractional milliseconds since the epoch (sub-millisecond resolution for short hops). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
