import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpExporter } from './otlp-http-exporter.js';
import { unixNano } from './otlp-json.js';
import { SpanKind, type SpanRecord } from './span.js';
import { childContext } from './trace-context.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface ExportBody {
  resourceSpans: Array<{
    resource: { attributes: unknown[] };
    scopeSpans: Array<{ scope: { name: string }; spans: Array<Record<string, unknown> & { name: string }> }>;
  }>;
}

/** A local HTTP server answering `status`; records each request's decoded body and headers. */
async function collector(status = 200) {
  const requests: Array<{ url: string; headers: Record<string, unknown>; body: ExportBody }> = [];
  const answer = { status };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      res.writeHead(answer.status).end('{}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, requests, answer };
}

const span = (name: string, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  context: childContext(undefined),
  name,
  kind: SpanKind.Internal,
  startMs: 1_700_000_000_123.25,
  endMs: 1_700_000_000_124.5,
  attributes: { 'relaybox.seq': 7, ok: true, ratio: 0.5, none: undefined, room: 'r' },
  ...extra,
});

describe('OtlpHttpExporter', () => {
  it('sends batches as OTLP/HTTP JSON with the resource, scope, ids, times, attributes and status', async () => {
    const c = await collector();
    const exporter = new OtlpHttpExporter({
      url: c.url,
      headers: { 'x-api-key': 'k' },
      resource: { 'service.name': 'relaybox-gateway' },
      scheduledDelayMs: 60_000,
    });
    const parent = childContext(undefined);
    exporter.record(span('a', { context: childContext(parent), parentSpanId: parent.spanId }));
    exporter.record(span('b', { error: 'broker_unavailable: down' }));
    expect(c.requests).toHaveLength(0);
    await exporter.shutdown();
    expect(c.requests).toHaveLength(1);
    const request = c.requests[0]!;
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-api-key']).toBe('k');
    const resourceSpans = request.body.resourceSpans[0]!;
    expect(resourceSpans.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'relaybox-gateway' } },
    ]);
    const spans = resourceSpans.scopeSpans[0]!.spans;
    expect(spans).toHaveLength(2);
    const [a, b] = spans as unknown as [Record<string, unknown>, Record<string, unknown>];
    expect(resourceSpans.scopeSpans[0]!.scope.name).toBe('relaybox');
    expect(a).toMatchObject({
      traceId: parent.traceId,
      parentSpanId: parent.spanId,
      name: 'a',
      kind: 1,
      startTimeUnixNano: '1700000000123250000',
      endTimeUnixNano: '1700000000124500000',
      status: {},
    });
    expect(a.attributes).toEqual([
      { key: 'relaybox.seq', value: { intValue: '7' } },
      { key: 'ok', value: { boolValue: true } },
      { key: 'ratio', value: { doubleValue: 0.5 } },
      { key: 'room', value: { stringValue: 'r' } },
    ]);
    expect(b.parentSpanId).toBeUndefined();
    expect(b.status).toEqual({ code: 2, message: 'broker_unavailable: down' });
    expect(exporter.stats).toEqual({ exported: 2, dropped: 0, failed: 0, failedRequests: 0 });
  });

  it('bounds its queue: spans past maxQueueSize are dropped and counted', async () => {
    const c = await collector();
    const exporter = new OtlpHttpExporter({
      url: c.url,
      resource: {},
      maxQueueSize: 3,
      maxBatchSize: 100,
      scheduledDelayMs: 60_000,
    });
    for (let i = 0; i < 5; i++) exporter.record(span(`s${i}`));
    expect(exporter.stats.dropped).toBe(2);
    expect(exporter.queued).toBe(3);
    await exporter.shutdown();
    expect(c.requests[0]!.body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual([
      's0',
      's1',
      's2',
    ]);
  });

  it('sends a full batch without waiting for the timer, one request at a time', async () => {
    const c = await collector();
    const exporter = new OtlpHttpExporter({
      url: c.url,
      resource: {},
      maxBatchSize: 2,
      scheduledDelayMs: 60_000,
    });
    for (let i = 0; i < 5; i++) exporter.record(span(`s${i}`));
    const deadline = Date.now() + 4000;
    while (exporter.stats.exported < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(exporter.stats.exported).toBe(4);
    await exporter.shutdown();
    expect(c.requests.map((r) => r.body.resourceSpans[0]!.scopeSpans[0]!.spans.length)).toEqual([2, 2, 1]);
  });

  it('counts failed requests and reports a run of failures once, then the recovery', async () => {
    const c = await collector(503);
    const statuses: unknown[] = [];
    const exporter = new OtlpHttpExporter({
      url: c.url,
      resource: {},
      scheduledDelayMs: 60_000,
      onStatus: (s) => statuses.push(s),
    });
    for (let i = 0; i < 3; i++) {
      exporter.record(span(`fail${i}`));
      await exporter.flush();
    }
    expect(exporter.stats).toEqual({ exported: 0, dropped: 0, failed: 3, failedRequests: 3 });
    expect(statuses).toEqual([{ ok: false, error: 'the collector answered HTTP 503' }]);
    c.answer.status = 200;
    exporter.record(span('ok'));
    await exporter.flush();
    expect(statuses.at(-1)).toEqual({ ok: true, afterFailures: 3 });
    expect(exporter.stats.exported).toBe(1);
    await exporter.shutdown();
  });

  it('an unreachable endpoint fails the request, never the caller', async () => {
    const c = await collector();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const statuses: Array<{ ok: boolean; error?: string }> = [];
    const exporter = new OtlpHttpExporter({
      url: c.url,
      resource: {},
      scheduledDelayMs: 60_000,
      timeoutMs: 2000,
      onStatus: (s) => statuses.push(s),
    });
    exporter.record(span('x'));
    await exporter.shutdown();
    expect(exporter.stats.failed).toBe(1);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.ok).toBe(false);
  });

  it('encodes epoch milliseconds as nanoseconds, exact to the microsecond', () => {
    expect(unixNano(1_700_000_000_000)).toBe('1700000000000000000');
    expect(unixNano(1_700_000_000_000.25)).toBe('1700000000000250000');
    expect(unixNano(1_700_000_000_000.999)).toBe('1700000000000999000');
  });
});
