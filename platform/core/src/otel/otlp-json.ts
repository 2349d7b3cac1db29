import type { SpanAttributeValue, SpanRecord } from './span.js';

// OTLP/HTTP JSON encoding (opentelemetry-proto `ExportTraceServiceRequest` in the proto3 JSON
// mapping, with the OTLP exception that trace and span ids are lowercase hex, not base64).

export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export function otlpValue(value: SpanAttributeValue): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

export function otlpAttributes(attributes: Record<string, SpanAttributeValue | undefined>): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) out.push({ key, value: otlpValue(value) });
  }
  return out;
}

/**
 * Fractional epoch milliseconds as a uint64 nanosecond string (no float overflow past 2^53). The
 * fraction keeps microseconds: a double near 1.7e12 holds no finer digits.
 */
export function unixNano(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.round((ms - whole) * 1000));
  return (BigInt(whole) * 1_000_000n + BigInt(micros) * 1000n).toString();
}

/** STATUS_CODE_ERROR of opentelemetry-proto `Status.StatusCode`. */
const STATUS_ERROR = 2;

function otlpSpan(span: SpanRecord) {
  return {
    traceId: span.context.traceId,
    spanId: span.context.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: unixNano(span.startMs),
    endTimeUnixNano: unixNano(Math.max(span.endMs, span.startMs)),
    attributes: otlpAttributes(span.attributes),
    status: span.error === undefined ? {} : { code: STATUS_ERROR, message: span.error },
  };
}

/** One export request body: every span under one resource and one instrumentation scope. */
export function encodeOtlpTraces(
  resource: readonly OtlpKeyValue[],
  scope: { name: string; version: string },
  spans: readonly SpanRecord[],
): string {
  return JSON.stringify({
    resourceSpans: [
      { resource: { attributes: resource }, scopeSpans: [{ scope, spans: spans.map(otlpSpan) }] },
    ],
  });
}
