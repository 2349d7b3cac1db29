import { randomFillSync } from 'node:crypto';
import { TRACEPARENT_MAX_LENGTH } from '@relaybox/protocol';

/**
 * A W3C Trace Context (https://www.w3.org/TR/trace-context/) span context: what a `traceparent`
 * header carries. Ids are lowercase hex (32 and 16 characters), never all zeros.
 */
export interface TraceContext {
  traceId: string;
  spanId: string;
  /** The `sampled` flag: false means the caller chose not to record this trace. */
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Parses a `traceparent` value. Returns undefined for anything invalid: the W3C rule is that a
 * receiver ignores a malformed traceparent and starts a new trace, it does not refuse the request.
 */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value === undefined || value.length < 55 || value.length > TRACEPARENT_MAX_LENGTH) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  // Version 00 has nothing after the flags; a later version may append fields we ignore.
  if (version === '00' && rest !== undefined) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` value of a span context (version 00). */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

// Ids come from one random pool refilled 4 KiB at a time: one crypto call per ~170 spans.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      offset = 0;
    }
    const hex = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new random 16-byte trace id (hex). */
export function newTraceId(): string {
  return randomHex(16);
}

/** A new random 8-byte span id (hex). */
export function newSpanId(): string {
  return randomHex(8);
}

/** A child context of `parent` (same trace, new span id), or the root of a new sampled trace. */
export function childContext(parent: TraceContext | undefined): TraceContext {
  return parent
    ? { traceId: parent.traceId, spanId: newSpanId(), sampled: parent.sampled }
    : { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
}
