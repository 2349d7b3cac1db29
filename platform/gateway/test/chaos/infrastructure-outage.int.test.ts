import { RabbitmqAdmin } from '@relaybox/adapters/testing';
import { TcpProxy } from '@relaybox/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, uniqueName, wsUrl } from '../harness.js';
import type { GatewayProcess } from '../processes.js';
import { processCluster, stopProcess } from './cluster.js';
import { type AppSubscriber, deliveryProblems, publishStream, settle, subscribeApp } from './stream.js';

// Chaos: the cluster's infrastructure fails during a stream, with subscriber apps (real SDK) on two
// gateway processes and a publisher that retries retryable refusals with the same idempotency key.
// Every gateway reaches Redis (history, seqs, sessions, queues) through a TCP proxy that can cut
// the link or slow it down; RabbitMQ connections are force-closed from the server side.
let proxy: TcpProxy;
let nodes: GatewayProcess[];
let nodeIds: string[];

beforeAll(async () => {
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
  ({ nodes, nodeIds } = await processCluster(2, {
    env: { RELAYBOX_REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    keep: true,
  }));
}, 90_000);
afterAll(async () => {
  await Promise.all((nodes ?? []).map(stopProcess));
  await proxy?.close();
});

async function apps(room: string): Promise<AppSubscriber[]> {
  const [g1, g2] = nodes as [GatewayProcess, GatewayProcess];
  return [
    await subscribeApp('near', [wsUrl(g1.port), wsUrl(g2.port)], room),
    await subscribeApp('far', [wsUrl(g2.port), wsUrl(g1.port)], room),
  ];
}

const deliveries = (list: AppSubscriber[]) => list.map((a) => `${a.name}=${a.seen.length}`).join(' ');

describe('chaos: infrastructure failing mid-stream', () => {
  it('Redis unreachable: publishes are refused as retryable; then slow; nothing acknowledged is lost; the stream recovers', {
    timeout: 90_000,
  }, async () => {
    proxy.restore();
    const room = uniqueName('chaos-redis');
    const subscribers = await apps(room);
    const count = 1000;
    const publisher = publishStream({ urls: [nodes[0]!.url], room, count, concurrency: 2, paceMs: 2 });
    await publisher.ackedAtLeast(250);
    proxy.cut();
    await sleep(300); // a publish in flight at the cut may still complete
    const ackedWhenDown = publisher.acked;
    const refusedBefore = publisher.refusals.get('store_unavailable') ?? 0;
    await sleep(2000);
    const ackedWhileDown = publisher.acked - ackedWhenDown;
    const refusedWhileDown = (publisher.refusals.get('store_unavailable') ?? 0) - refusedBefore;
    proxy.restore();
    proxy.latency({ latencyMs: 30, jitterMs: 30 }); // every Redis round trip 60-120 ms slower
    await publisher.ackedAtLeast(ackedWhenDown + 100);
    proxy.clearToxics();
    const last = await settle(subscribers, publisher, 30_000);
    const problems = subscribers.flatMap((app) => deliveryProblems(app, publisher.acks, last));
    console.log(
      `chaos redis: ${count} messages; down 2.3 s: ${ackedWhileDown} acked, ${refusedWhileDown} refused; ` +
        `refusals retried ${JSON.stringify([...publisher.refusals])}, network failures ${publisher.networkFailures}; ` +
        `last seq ${last}; deliveries ${deliveries(subscribers)}`,
    );
    expect(ackedWhileDown).toBe(0);
    expect(refusedWhileDown).toBeGreaterThan(0);
    expect([...publisher.refusals.keys()]).toEqual(['store_unavailable']);
    expect(problems).toEqual([]);
    expect(publisher.acked).toBe(count);
    await Promise.all(subscribers.map((a) => a.relay.close()));
  });

  it('RabbitMQ force-closes every connection of the cluster: nothing acknowledged is lost; the stream recovers', {
    timeout: 90_000,
  }, async () => {
    proxy.restore();
    const room = uniqueName('chaos-amqp');
    const subscribers = await apps(room);
    // The stream runs until 300 more acks after the close has completed, however long `rabbitmqctl`
    // takes on a busy machine, so the close always lands mid-stream (a bound, not an expectation).
    const bound = 20_000;
    const after = 300;
    let stopAt = Number.POSITIVE_INFINITY;
    let acked = () => 0;
    const publisher = publishStream({
      urls: [nodes[0]!.url, nodes[1]!.url],
      room,
      count: bound,
      concurrency: 4,
      stop: () => acked() >= stopAt,
    });
    acked = () => publisher.acked;
    await publisher.ackedAtLeast(300);
    // Only this cluster's own connections (`relaybox-gw-<nodeId>`): other runs may share the node.
    const closed = await Promise.all(
      nodeIds.map((id) => RabbitmqAdmin.closeConnections(`relaybox-gw-${id}`)),
    );
    const ackedAtClose = publisher.acked;
    stopAt = ackedAtClose + after;
    const last = await settle(subscribers, publisher);
    const problems = subscribers.flatMap((app) => deliveryProblems(app, publisher.acks, last));
    console.log(
      `chaos amqp: ${publisher.acked} messages, connections force-closed ${JSON.stringify(closed)} at ${ackedAtClose} acks, last seq ${last}, ` +
        `refusals retried ${JSON.stringify([...publisher.refusals])}, network failures ${publisher.networkFailures}, ` +
        `deliveries ${deliveries(subscribers)}`,
    );
    expect(closed.every((c) => c >= 1)).toBe(true);
    expect(ackedAtClose).toBeLessThan(bound); // the close happened during the stream
    expect(publisher.acked).toBeGreaterThanOrEqual(ackedAtClose + after);
    expect(problems).toEqual([]);
    expect(new Set(publisher.acks.map((a) => a.seq)).size).toBe(publisher.acked);
    await Promise.all(subscribers.map((a) => a.relay.close()));
  });
});
