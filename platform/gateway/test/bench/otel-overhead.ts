// `pnpm bench:otel`: the cost of OpenTelemetry export on the publish and delivery hot path, in one
// process, with memory adapters (no network, so the figures are the gateway's own CPU per message).
//
//   off       no OTLP endpoint (the default): `spans` is SPANS_OFF
//   on        export on, every message sampled, spans POSTed to a local HTTP sink that discards them
//   baseline  (with --baseline <module>) a Publisher module from before the change, for comparison
//
// Each variant publishes ROUNDS x BATCH messages (BATCH in flight at once) over 10 rooms through
// Publisher -> MemoryBroker -> Hub (one local "socket" per room); variants rotate, best of REPEATS.
// With export on, spans past the exporter's queue (4,096) are dropped: the loop gives the exporter
// little I/O time, so `on` measures building and recording every span, not the HTTP export.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryBroker, MemoryHistoryStore } from '@relaybox/adapters';
import {
  HistoryCursor,
  MessageIdGenerator,
  OtlpHttpExporter,
  SPANS_OFF,
  type SpanSink,
} from '@relaybox/core';
import { Hub } from '../../src/hub.js';
import { Publisher } from '../../src/publisher.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('rounds') ?? 2000);
const BATCH = 50;
const REPEATS = Number(arg('repeats') ?? 5);
const ROOMS = Array.from({ length: 10 }, (_, i) => `room-${i}`);

type PublisherClass = typeof Publisher;

async function variant(PublisherImpl: PublisherClass, sink: SpanSink | undefined) {
  const broker = new MemoryBroker();
  await broker.start();
  const history = new MemoryHistoryStore({ cursors: new HistoryCursor('x'.repeat(32)) });
  let delivered = 0;
  const spans = sink ? { sink, nodeId: 'bench' } : undefined;
  const hub = new Hub(broker, () => ++delivered && 1, undefined, undefined, spans);
  const transport = { subscribe: () => {} } as never;
  for (const room of ROOMS) await hub.subscribe(transport, 'app', room);
  const publisher = new PublisherImpl(history, broker, new MessageIdGenerator('bench'), {
    retention: () => ({ maxMessages: 100, maxAgeMs: 60_000 }),
    idempotencyWindowMs: 60_000,
    ...(spans ? { spans } : {}),
  });
  const run = async () => {
    const started = process.hrtime.bigint();
    for (let r = 0; r < ROUNDS; r++) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < BATCH; i++) {
        batch.push(
          publisher.publish({
            appId: 'app',
            room: ROOMS[i % ROOMS.length]!,
            event: 'e',
            data: { n: i },
            clientId: 'c',
          }),
        );
      }
      await Promise.all(batch);
    }
    await new Promise((resolve) => setImmediate(resolve));
    return Number(process.hrtime.bigint() - started) / (ROUNDS * BATCH);
  };
  return { run, close: () => broker.close(), delivered: () => delivered };
}

async function main() {
  const sinkServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise<void>((resolve) => sinkServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(sinkServer.address() as AddressInfo).port}/v1/traces`;
  const exporter = new OtlpHttpExporter({ url, resource: { 'service.name': 'bench' } });
  const variants: Array<[string, PublisherClass, SpanSink | undefined]> = [
    ['off', Publisher, SPANS_OFF],
    ['on', Publisher, exporter],
  ];
  const baseline = arg('baseline');
  if (baseline) {
    const module = (await import(baseline)) as { Publisher: PublisherClass };
    variants.unshift(['baseline', module.Publisher, undefined]);
  }
  const best = new Map<string, number>();
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    // The order rotates every repeat, so no variant always runs first (JIT, GC of the previous one).
    const order = [
      ...variants.slice(repeat % variants.length),
      ...variants.slice(0, repeat % variants.length),
    ];
    for (const [name, impl, sink] of order) {
      const v = await variant(impl, sink);
      const ns = await v.run();
      await v.close();
      best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, ns));
    }
  }
  await exporter.shutdown();
  sinkServer.close();
  console.log(`publish + broker + hub delivery, ${ROUNDS * BATCH} messages per run, best of ${REPEATS}:`);
  const reference = best.get('baseline') ?? best.get('off')!;
  for (const [name] of variants) {
    const ns = best.get(name)!;
    console.log(
      `  ${name.padEnd(9)} ${(ns / 1000).toFixed(2)} µs/message  (${((ns / reference - 1) * 100).toFixed(1)}% vs ${best.has('baseline') ? 'baseline' : 'off'})`,
    );
  }
  console.log(
    `  exporter: ${exporter.stats.exported} spans exported, ${exporter.stats.dropped} dropped (queue full), ${exporter.stats.failed} failed`,
  );
}

await main();
