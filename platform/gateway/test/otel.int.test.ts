import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayBox } from '@relaybox/client';
import type { RoomMessage } from '@relaybox/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../src/logger.js';
import { processCluster, stopProcess } from './chaos/cluster.js';
import {
  ALPHA_FULL,
  apiKeyOf,
  sleep,
  startTestGateway,
  uniqueName,
  writeAppsFile,
  wsUrl,
} from './harness.js';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';
import { spawnWorker } from './processes.js';

// OpenTelemetry export end to end: two gateway processes and a webhook worker process on the real
// Redis and RabbitMQ, each exporting OTLP/HTTP JSON to a real receiver in this test. A message
// published on gateway A and delivered by gateway B (and to a webhook by the worker) is one trace.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Records the `traceparent` header and the message id of every webhook POST; answers 204. */
async function webhookReceiver() {
  const posts: Array<{ traceparent: string | undefined; messageId: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const payload = JSON.parse(body) as { data: { id: string } };
      posts.push({ traceparent: req.headers.traceparent as string | undefined, messageId: payload.data.id });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, posts };
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const WS_TRACE = '0af7651916cd43dd8448eb211c80319c';
const WS_SPAN = 'b7ad6b7169203331';
/** The caller's trace is not sampled: the gateways must record nothing for it. */
const UNSAMPLED = '00-11111111111111111111111111111111-2222222222222222-00';

describe('OpenTelemetry export across gateways, the broker and a worker', () => {
  it('exports one trace per message, spanning both gateways and the webhook worker, with correct parents', {
    timeout: 120_000,
  }, async () => {
    const otlp = await startOtlpReceiver();
    cleanups.push(() => otlp.close());
    const hooks = await webhookReceiver();
    const appsFile = writeAppsFile([
      {
        id: 'traced',
        url: hooks.url,
        secret: 'otel-webhook-secret-00001',
        events: ['message.published'],
        rooms: ['traced:>'],
      },
    ]);
    const cluster = await processCluster(2, {
      appsFile,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, RELAYBOX_WORKERS: 'none' },
    });
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const [nodeA, nodeB] = cluster.nodeIds as [string, string];
    const workerNode = uniqueName('wk');
    const worker = await spawnWorker({ ...cluster.env, RELAYBOX_NODE_ID: workerNode }, 'webhook');
    cleanups.push(() => stopProcess(worker));

    const roomName = `traced:${uniqueName('r')}`;
    const subscriber = new RelayBox({
      url: wsUrl(b.port),
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'subscriber',
      WebSocket: WebSocket as never,
    });
    cleanups.push(() => subscriber.close());
    await subscriber.connect();
    const received: RoomMessage[] = [];
    (await subscriber.join(roomName)).subscribe((m) => received.push(m));

    const publisher = new RelayBox({
      url: wsUrl(a.port),
      apiKey: apiKeyOf(ALPHA_FULL),
      clientId: 'publisher',
      WebSocket: WebSocket as never,
    });
    cleanups.push(() => publisher.close());
    await publisher.connect();
    const wsRoom = await publisher.join(roomName);

    const restPublish = async (n: number, traceparent?: string) => {
      const response = await fetch(`${a.url}/v1/rooms/${encodeURIComponent(roomName)}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKeyOf(ALPHA_FULL)}`,
          'content-type': 'application/json',
          ...(traceparent ? { traceparent } : {}),
        },
        body: JSON.stringify({ event: 'n', data: n }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    const continued = await restPublish(1, `00-${CALLER_TRACE}-${CALLER_SPAN}-01`);
    const fresh = await restPublish(2);
    const viaWs = (await wsRoom.publish('n', 3, { traceparent: `00-${WS_TRACE}-${WS_SPAN}-01` })).id;
    const unsampled = await restPublish(4, UNSAMPLED);
    const traced = [continued, fresh, viaWs];

    await until(() => received.length === 4, 'the subscriber on gateway B to get 4 messages');
    await until(() => hooks.posts.length === 4, 'the worker to deliver 4 webhooks');
    // 5 spans per sampled message: publish, store, broker publish (A), deliver (B), webhook attempt (worker).
    await until(() => otlp.spans.length >= traced.length * 5, 'the spans of 3 messages');
    await sleep(2_500); // longer than the exporters' 1 s batch delay: nothing more may arrive
    expect(otlp.rejected).toEqual([]);
    const spans = otlp.spans;
    expect(spans).toHaveLength(15);

    const byTrace = new Map<string, ReceivedSpan[]>();
    for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    expect(byTrace.size).toBe(3);
    expect(spans.filter((s) => s.attributes['messaging.message.id'] === unsampled)).toEqual([]);

    for (const messageId of traced) {
      const traceIds = new Set(
        spans.filter((s) => s.attributes['messaging.message.id'] === messageId).map((s) => s.traceId),
      );
      expect(traceIds.size).toBe(1);
      const trace = byTrace.get([...traceIds][0]!)!;
      const one = (name: string) => {
        const found = trace.filter((s) => s.name === name);
        expect(found, name).toHaveLength(1);
        return found[0]!;
      };
      const publish = one('relaybox.publish');
      const store = one('relaybox.store');
      const produce = one('relaybox.broker.publish');
      const deliver = one('relaybox.deliver');
      const webhook = one('relaybox.webhook.attempt');
      expect(trace).toHaveLength(5);

      // Parent links: store and broker publish under publish, deliver under the broker publish
      // (across the broker), the webhook attempt under publish (across the job queue).
      expect(store.parentSpanId).toBe(publish.spanId);
      expect(produce.parentSpanId).toBe(publish.spanId);
      expect(deliver.parentSpanId).toBe(produce.spanId);
      expect(webhook.parentSpanId).toBe(publish.spanId);
      expect([publish.kind, store.kind, produce.kind, deliver.kind, webhook.kind]).toEqual([2, 1, 4, 5, 3]);

      // Which process recorded what.
      for (const span of [publish, store, produce]) {
        expect(span.attributes['relaybox.node_id']).toBe(nodeA);
        expect(span.resource['relaybox.node_id']).toBe(nodeA);
        expect(span.resource['service.name']).toBe('relaybox-gateway');
      }
      expect(deliver.attributes['relaybox.node_id']).toBe(nodeB);
      expect(deliver.resource['relaybox.node_id']).toBe(nodeB);
      expect(deliver.resource['service.instance.id']).not.toBe(publish.resource['service.instance.id']);
      expect(String(deliver.resource['service.instance.id'])).toMatch(new RegExp(`^${nodeB}\\.`));
      expect(String(publish.resource['service.instance.id'])).toMatch(new RegExp(`^${nodeA}\\.`));
      expect(deliver.attributes['relaybox.sockets']).toBe(1);
      expect(webhook.resource['service.name']).toBe('relaybox-worker');
      expect(webhook.resource['relaybox.node_id']).toBe(workerNode);
      expect(webhook.attributes['http.response.status_code']).toBe(204);
      expect(webhook.attributes['relaybox.webhook.attempt']).toBe(1);
      for (const span of trace) {
        expect(span.attributes['messaging.destination.name'] ?? roomName).toBe(roomName);
        expect(span.status.code ?? 0).toBe(0);
      }
      expect(deliver.startNs).toBeGreaterThanOrEqual(produce.startNs);

      // The webhook receiver got the attempt span's own context.
      const post = hooks.posts.find((p) => p.messageId === messageId);
      expect(post?.traceparent).toBe(`00-${publish.traceId}-${webhook.spanId}-01`);
    }

    // A caller's traceparent (REST header, publish frame field) is continued; none starts a new trace.
    const publishOf = (id: string) =>
      spans.find((s) => s.name === 'relaybox.publish' && s.attributes['messaging.message.id'] === id)!;
    expect(publishOf(continued).traceId).toBe(CALLER_TRACE);
    expect(publishOf(continued).parentSpanId).toBe(CALLER_SPAN);
    expect(publishOf(continued).attributes['relaybox.via']).toBe('rest');
    expect(publishOf(viaWs).traceId).toBe(WS_TRACE);
    expect(publishOf(viaWs).parentSpanId).toBe(WS_SPAN);
    expect(publishOf(viaWs).attributes['relaybox.via']).toBe('ws');
    expect(publishOf(fresh).parentSpanId).toBeUndefined();
    expect([CALLER_TRACE, WS_TRACE]).not.toContain(publishOf(fresh).traceId);
    // The unsampled message still reached its webhook, untraced.
    expect(hooks.posts.find((p) => p.messageId === unsampled)?.traceparent).toBeUndefined();

    // The exporters' counters on /metrics.
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^relaybox_otel_spans_exported_total 9$/m);
    expect(metrics).toMatch(/^relaybox_otel_spans_dropped_total 0$/m);
  });

  it('an unreachable collector costs one warning per outage and counts the lost spans; export resumes', {
    timeout: 60_000,
  }, async () => {
    const otlp = await startOtlpReceiver();
    cleanups.push(() => otlp.close());
    otlp.failNext(1_000_000, 503);
    const lines: Array<{ level: string; msg: string; [key: string]: unknown }> = [];
    const log = createLogger('info', {}, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const gw = await startTestGateway({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'edge-eu' },
      overrides: { log },
    });
    cleanups.push(() => gw.shutdown());
    const metric = async (name: string) => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    };
    const publish = (n: number) =>
      fetch(`${gw.url}/v1/rooms/traced-${n}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKeyOf(ALPHA_FULL)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'n', data: n }),
      });
    for (let round = 0; round < 3; round++) {
      expect((await publish(round)).status).toBe(201);
      const failed = round + 1;
      await until(() => otlp.requests >= failed, `failed export ${failed}`, 10_000);
    }
    await until(
      () => lines.filter((l) => l.msg.startsWith('OpenTelemetry export failing')).length > 0,
      'the warning',
    );
    expect(await metric('relaybox_otel_export_failures_total')).toBeGreaterThanOrEqual(3);
    expect(await metric('relaybox_otel_spans_failed_total')).toBeGreaterThanOrEqual(6);
    expect(await metric('relaybox_otel_spans_exported_total')).toBe(0);
    // Publishing never waited for the collector, and the outage was logged once.
    const warnings = lines.filter((l) => l.msg.startsWith('OpenTelemetry export failing'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', error: 'the collector answered HTTP 503' });

    otlp.failNext(0, 200);
    expect((await publish(99)).status).toBe(201);
    await until(() => otlp.spans.length >= 3, 'spans after the outage', 10_000);
    await until(() => lines.some((l) => l.msg === 'OpenTelemetry export recovered'), 'the recovery line');
    expect(otlp.spans.map((s) => s.name).sort()).toEqual([
      'relaybox.broker.publish',
      'relaybox.publish',
      'relaybox.store',
    ]);
    expect(otlp.spans[0]!.resource['service.name']).toBe('edge-eu');
    expect(await metric('relaybox_otel_spans_exported_total')).toBe(3);
  });

  it("OTEL_TRACES_SAMPLER parentbased_traceidratio 0: new traces are not exported, a caller's sampled trace is", {
    timeout: 60_000,
  }, async () => {
    const otlp = await startOtlpReceiver();
    cleanups.push(() => otlp.close());
    const gw = await startTestGateway({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
    });
    cleanups.push(() => gw.shutdown());
    const publish = (n: number, traceparent?: string) =>
      fetch(`${gw.url}/v1/rooms/${uniqueName('sampled')}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKeyOf(ALPHA_FULL)}`,
          'content-type': 'application/json',
          ...(traceparent ? { traceparent } : {}),
        },
        body: JSON.stringify({ event: 'n', data: n }),
      });
    for (let n = 0; n < 20; n++) expect((await publish(n)).status).toBe(201);
    expect((await publish(20, `00-${CALLER_TRACE}-${CALLER_SPAN}-01`)).status).toBe(201);
    // Spans leave in the order they were recorded: once the caller's are in, any earlier ones would be.
    await until(() => otlp.spans.length >= 3, "the caller's spans", 10_000);
    await sleep(1200);
    expect(new Set(otlp.spans.map((s) => s.traceId))).toEqual(new Set([CALLER_TRACE]));
  });
});
