import { MemoryBroker, MemoryHistoryStore } from '@relaybox/adapters';
import {
  type BrokerMessage,
  createSampler,
  HistoryCursor,
  MessageIdGenerator,
  parseTraceparent,
  SPANS_OFF,
  type SpanRecord,
  type SpanSink,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import { Hub } from '../hub.js';
import { Publisher } from '../publisher.js';
import type { Transport } from '../transport.js';

function recorder(): SpanSink & { spans: SpanRecord[] } {
  const spans: SpanRecord[] = [];
  return { on: true, spans, record: (span) => void spans.push(span) };
}

async function setup(sink: SpanSink, broker = new MemoryBroker()) {
  await broker.start();
  const seen: BrokerMessage[] = [];
  broker.onMessage((m) => seen.push(m));
  const spans = { sink, nodeId: 'gw-a' };
  const hub = new Hub(broker, () => 2, undefined, undefined, spans);
  await hub.subscribe({ subscribe: () => {} } as unknown as Transport, 'app', 'room');
  const history = new MemoryHistoryStore({ cursors: new HistoryCursor('c'.repeat(32)) });
  const webhookParents: Array<string | undefined> = [];
  const publisher = new Publisher(history, broker, new MessageIdGenerator('gw-a'), {
    retention: () => ({ maxMessages: 10, maxAgeMs: 60_000 }),
    idempotencyWindowMs: 60_000,
    spans,
    onPublished: (_app, _message, _bytes, traceparent) => webhookParents.push(traceparent),
  });
  const publish = (extra: { traceparent?: string; idempotencyKey?: string } = {}) =>
    publisher.publish({
      appId: 'app',
      room: 'room',
      event: 'e',
      data: 1,
      clientId: 'c',
      via: 'rest',
      ...extra,
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { broker, seen, publish, settle, webhookParents };
}

describe('message spans', () => {
  it('export off: no spans, no traceparent on the broker or for webhooks', async () => {
    const { seen, publish, settle, webhookParents } = await setup(SPANS_OFF);
    await publish({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await settle();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.traceparent).toBeUndefined();
    expect(webhookParents).toEqual([undefined]);
  });

  it('a publish records publish, store and broker publish; delivery is a child across the broker', async () => {
    const sink = recorder();
    const { seen, publish, settle, webhookParents } = await setup(sink);
    const ack = await publish({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await settle();
    const byName = new Map(sink.spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([
      'relaybox.broker.publish',
      'relaybox.deliver',
      'relaybox.publish',
      'relaybox.store',
    ]);
    const publishSpan = byName.get('relaybox.publish')!;
    const produce = byName.get('relaybox.broker.publish')!;
    expect(publishSpan.context.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(publishSpan.parentSpanId).toBe('00f067aa0ba902b7');
    expect(byName.get('relaybox.store')!.parentSpanId).toBe(publishSpan.context.spanId);
    expect(produce.parentSpanId).toBe(publishSpan.context.spanId);
    expect(parseTraceparent(seen[0]!.traceparent)).toEqual(produce.context);
    expect(byName.get('relaybox.deliver')).toMatchObject({
      parentSpanId: produce.context.spanId,
      attributes: { 'messaging.message.id': ack.id, 'relaybox.seq': ack.seq, 'relaybox.sockets': 2 },
    });
    expect(publishSpan.attributes).toMatchObject({ 'relaybox.via': 'rest', 'relaybox.node_id': 'gw-a' });
    expect(parseTraceparent(webhookParents[0])).toEqual(publishSpan.context);
    for (const span of sink.spans) expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
  });

  it('an idempotent retry records publish and store only; an unsampled caller records nothing', async () => {
    const sink = recorder();
    const { seen, publish, settle } = await setup(sink);
    await publish({ idempotencyKey: 'k' });
    await settle();
    sink.spans.length = 0;
    await publish({ idempotencyKey: 'k' });
    expect(sink.spans.map((s) => s.name).sort()).toEqual(['relaybox.publish', 'relaybox.store']);
    expect(sink.spans[0]!.attributes['relaybox.duplicate']).toBe(true);

    sink.spans.length = 0;
    await publish({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' });
    await settle();
    expect(sink.spans).toEqual([]);
    // The decision travels: the broker carries the unsampled flag, so no gateway records it.
    expect(seen.at(-1)!.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
  });

  it('a sampler that drops a new trace records nothing and tells the next hops (OTEL_TRACES_SAMPLER)', async () => {
    const off = { ...recorder(), sampler: createSampler('parentbased_always_off') };
    const { seen, publish, settle, webhookParents } = await setup(off);
    await publish();
    // A caller's sampled trace still wins with a parent-based sampler.
    await publish({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await settle();
    expect(parseTraceparent(seen[0]!.traceparent)?.sampled).toBe(false);
    expect(parseTraceparent(webhookParents[0])?.sampled).toBe(false);
    expect(new Set(off.spans.map((s) => s.context.traceId))).toEqual(
      new Set(['4bf92f3577b34da6a3ce929d0e0e4736']),
    );
  });

  it('a failed publish ends its spans with the error', async () => {
    const sink = recorder();
    const broker = new MemoryBroker();
    const { publish } = await setup(sink, broker);
    broker.publish = () => Promise.reject(new RelayBoxError(ErrorCode.BrokerUnavailable, 'down'));
    await expect(publish()).rejects.toThrow('down');
    const byName = new Map(sink.spans.map((s) => [s.name, s]));
    expect(byName.get('relaybox.publish')!.error).toBe('broker_unavailable: down');
    expect(byName.get('relaybox.store')!.error).toBeUndefined();
    expect(byName.get('relaybox.broker.publish')!.error).toBe('broker_unavailable: down');
  });
});
