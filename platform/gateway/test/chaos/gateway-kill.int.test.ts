import { describe, expect, it } from 'vitest';
import { uniqueName, wsUrl } from '../harness.js';
import { processCluster } from './cluster.js';
import { deliveryProblems, publishStream, settle, subscribeApp } from './stream.js';

// Chaos: a gateway process is SIGKILLed (no close frames, no cleanup) in the middle of a stream of
// 1,000 messages. Subscriber apps on both gateways use the real SDK with resume; the publisher
// publishes through the gateway that dies (4 in flight) and moves on to the other one, retrying
// with the same idempotency key, as an app would.
describe('chaos: a gateway killed mid-stream', () => {
  it('every subscriber app sees every seq exactly once and in order', { timeout: 120_000 }, async () => {
    const { nodes } = await processCluster(2);
    const [g1, g2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = uniqueName('chaos-kill');
    const apps = [
      await subscribeApp('on-killed-1', [wsUrl(g1.port), wsUrl(g2.port)], room),
      await subscribeApp('on-killed-2', [wsUrl(g1.port), wsUrl(g2.port)], room),
      await subscribeApp('on-survivor-1', [wsUrl(g2.port), wsUrl(g1.port)], room),
      await subscribeApp('on-survivor-2', [wsUrl(g2.port), wsUrl(g1.port)], room),
    ];
    const count = 1000;
    const publisher = publishStream({ urls: [g1.url, g2.url], room, count, concurrency: 4 });
    const killAt = 300 + Math.floor(Math.random() * 300);
    await publisher.ackedAtLeast(killAt);
    g1.proc.kill('SIGKILL');
    const last = await settle(apps, publisher);
    const problems = apps.flatMap((app) => deliveryProblems(app, publisher.acks, last));
    console.log(
      `chaos kill: ${count} messages, gateway SIGKILLed after ${killAt} acks, last seq ${last}, ` +
        `publisher network failures ${publisher.networkFailures}, refusals ${JSON.stringify([...publisher.refusals])}, ` +
        `deliveries ${apps.map((a) => `${a.name}=${a.seen.length}`).join(' ')}`,
    );
    expect(problems).toEqual([]);
    expect(last).toBe(count);
    // The apps of the killed gateway moved to the survivor and resumed their session there (taken
    // over while the killed gateway's heartbeat was still live), catching up from history (`fromSeq`).
    for (const app of apps.slice(0, 2)) expect(app.connectionIds.size).toBe(1);
    for (const app of apps) expect(app.discontinuities).toEqual([]);
    await Promise.all(apps.map((a) => a.relay.close()));
  });
});
