import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export request carried it, with its resource's attributes. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  resource: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
}

export interface OtlpReceiver {
  /** The base URL to set as `OTEL_EXPORTER_OTLP_ENDPOINT` (requests go to `/v1/traces`). */
  url: string;
  spans: ReceivedSpan[];
  /** Requests that did not decode as an OTLP trace export (each with the reason). */
  rejected: string[];
  requests: number;
  /** Answers the next `n` requests with this status instead of 200 (an outage). */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

class DecodeError extends Error {}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new DecodeError(what);
}

function anyValue(value: Record<string, unknown>): string | number | boolean {
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.intValue === 'string' || typeof value.intValue === 'number') return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  throw new DecodeError(`unsupported AnyValue ${JSON.stringify(value)}`);
}

function keyValues(list: unknown): Record<string, string | number | boolean> {
  check(Array.isArray(list), 'attributes must be an array');
  const out: Record<string, string | number | boolean> = {};
  for (const kv of list as Array<{ key?: unknown; value?: unknown }>) {
    check(
      typeof kv.key === 'string' && kv.value && typeof kv.value === 'object',
      'attribute must be {key, value}',
    );
    out[kv.key as string] = anyValue(kv.value as Record<string, unknown>);
  }
  return out;
}

/**
 * Decodes an `ExportTraceServiceRequest` in the OTLP/HTTP JSON encoding (opentelemetry-proto's
 * proto3 JSON mapping, hex trace/span ids), checking every field the spec requires.
 */
export function decodeOtlpJson(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as { resourceSpans?: unknown };
  check(Array.isArray(request.resourceSpans), 'resourceSpans must be an array');
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans as Array<Record<string, unknown>>) {
    const resource = keyValues((rs.resource as { attributes?: unknown } | undefined)?.attributes);
    check(Array.isArray(rs.scopeSpans), 'scopeSpans must be an array');
    for (const ss of rs.scopeSpans as Array<Record<string, unknown>>) {
      check(typeof (ss.scope as { name?: unknown })?.name === 'string', 'scope.name must be a string');
      check(Array.isArray(ss.spans), 'spans must be an array');
      for (const s of ss.spans as Array<Record<string, unknown>>) {
        check(HEX32.test(String(s.traceId)), `traceId ${String(s.traceId)} is not 32 hex digits`);
        check(HEX16.test(String(s.spanId)), `spanId ${String(s.spanId)} is not 16 hex digits`);
        check(s.parentSpanId === undefined || HEX16.test(String(s.parentSpanId)), 'bad parentSpanId');
        check(typeof s.name === 'string' && s.name !== '', 'name must be a non-empty string');
        check(Number.isInteger(s.kind) && (s.kind as number) >= 0 && (s.kind as number) <= 5, 'bad kind');
        check(/^\d+$/.test(String(s.startTimeUnixNano)), 'startTimeUnixNano must be a uint64 string');
        check(/^\d+$/.test(String(s.endTimeUnixNano)), 'endTimeUnixNano must be a uint64 string');
        const startNs = BigInt(String(s.startTimeUnixNano));
        const endNs = BigInt(String(s.endTimeUnixNano));
        check(endNs >= startNs, 'a span ends before it starts');
        spans.push({
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          parentSpanId: s.parentSpanId === undefined ? undefined : String(s.parentSpanId),
          name: s.name as string,
          kind: s.kind as number,
          startNs,
          endNs,
          attributes: keyValues(s.attributes ?? []),
          resource,
          status: (s.status ?? {}) as ReceivedSpan['status'],
        });
      }
    }
  }
  return spans;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A real OTLP/HTTP receiver (JSON), as an OpenTelemetry Collector's `otlp` receiver on port 4318. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const rejected: string[] = [];
  let failing = { n: 0, status: 503 };
  let requests = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      requests++;
      const body = await readBody(req);
      if (failing.n > 0) {
        failing = { ...failing, n: failing.n - 1 };
        res.writeHead(failing.status).end();
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        rejected.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
        return;
      }
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        rejected.push(`content-type ${req.headers['content-type']}`);
        res.writeHead(415).end();
        return;
      }
      try {
        spans.push(...decodeOtlpJson(body));
      } catch (error) {
        rejected.push(String(error));
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    rejected,
    get requests() {
      return requests;
    },
    failNext: (n, status) => {
      failing = { n, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
