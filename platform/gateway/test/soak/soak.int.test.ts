import { describe, expect, it } from 'vitest';
import { processCluster } from '../chaos/cluster.js';
import { deliveryProblems, publishStream, settle, subscribeApp } from '../chaos/stream.js';
import { sleep, uniqueName, wsUrl } from '../harness.js';
import { type CycleResult, churnCycle } from './churn.js';
import { lowerEnvelope, type Sample, sampleProcess, slopePerMinute } from './resource-sampler.js';

// Soak: 3 minutes of steady traffic with connection churn on two gateway processes. RSS and open
// file descriptors of each gateway are sampled from /proc every 3 s; after the first minute (start-up,
// JIT and heap growth to a working size) they must stop growing: the least-squares slope over
// minutes 1-3 stays under a bound. Every message must reach the apps (0 lost).
//
// Bounds: the churn runs 400-1,200 connection cycles a minute (each with its own room, session and
// resume record; the rate depends on the machine's load). RSS between two garbage collections is a
// sawtooth 20-35 MB high on these gateways, so the slope is fitted to its troughs (the lowest sample
// of each 15 s window; 8 windows over minutes 1-3), and the bound, 8 MB/min, sits well above what
// that sawtooth leaves (measured: -10 to +3 MB/min over the raw samples, with no leak). A leak of
// 20 KB per cycle at 400 cycles a minute would exceed it. File descriptors move by the handful of
// connections open at a sampling instant: 5 per minute is a leak of one every 80 to 240 cycles.
const SOAK_SECONDS = Number(process.env.RELAYBOX_SOAK_SECONDS ?? 180);
const SAMPLE_EVERY_MS = 3_000;
const MAX_RSS_SLOPE_MB_PER_MIN = 8;
const MAX_FD_SLOPE_PER_MIN = 5;
const CHURNERS = 4;

describe('soak: two gateways under steady traffic and connection churn', () => {
  it(`${SOAK_SECONDS} s: RSS and file descriptors stop growing after the first minute; 0 lost`, {
    timeout: (SOAK_SECONDS + 120) * 1000,
    retry: 0,
  }, async () => {
    const { nodes } = await processCluster(2);
    const wsUrls = nodes.map((n) => wsUrl(n.port));
    const restUrls = nodes.map((n) => n.url);
    const room = uniqueName('soak-main');
    const apps = [
      await subscribeApp('steady-1', wsUrls, room),
      await subscribeApp('steady-2', [...wsUrls].reverse(), room),
    ];
    const startedAt = Date.now();
    const elapsed = () => (Date.now() - startedAt) / 1000;
    const running = () => elapsed() < SOAK_SECONDS;

    // Steady stream: ~40 messages a second through both gateways' REST APIs.
    const publisher = publishStream({
      urls: restUrls,
      room,
      count: 1_000_000,
      paceMs: 25,
      deadlineMs: (SOAK_SECONDS + 60) * 1000,
      stop: () => !running(),
    });
    // Churn: clients that connect, join, receive, drop, resume, close, one after the other.
    const cycles: CycleResult[] = [];
    const churn = Array.from({ length: CHURNERS }, async () => {
      while (running()) cycles.push(await churnCycle(wsUrls, restUrls));
    });
    const samples: Sample[][] = nodes.map(() => []);
    while (running()) {
      for (const [i, n] of nodes.entries()) samples[i]!.push(sampleProcess(n.proc.pid!, elapsed()));
      await sleep(SAMPLE_EVERY_MS);
    }
    await Promise.all(churn);
    const last = await settle(apps, publisher, 30_000);
    for (const n of nodes) expect(n.proc.exitCode).toBeNull();

    const slopes = samples.map((list) => {
      const window = list.filter((s) => s.t >= 60);
      return {
        rss: slopePerMinute(
          lowerEnvelope(
            window.map((s) => ({ t: s.t, y: s.rssMb })),
            15,
          ),
        ),
        rawRss: slopePerMinute(window.map((s) => ({ t: s.t, y: s.rssMb }))),
        fds: slopePerMinute(window.map((s) => ({ t: s.t, y: s.fds }))),
        rssRange: `${Math.min(...list.map((s) => s.rssMb)).toFixed(0)}-${Math.max(...list.map((s) => s.rssMb)).toFixed(0)} MB`,
        fdRange: `${Math.min(...list.map((s) => s.fds))}-${Math.max(...list.map((s) => s.fds))}`,
        samples: window.length,
      };
    });
    const lostChurn = cycles.reduce((a, c) => a + c.lost, 0);
    const resumed = cycles.filter((c) => c.resumed).length;
    const problems = apps.flatMap((app) => deliveryProblems(app, publisher.acks, last));
    console.log(
      `soak ${SOAK_SECONDS} s: ${publisher.acked} steady messages, ${cycles.length} churn cycles (${resumed} resumed), ` +
        `lost: steady ${problems.length}, churn ${lostChurn}\n` +
        slopes
          .map(
            (s, i) =>
              `  gateway ${i + 1}: RSS ${s.rssRange}, slope ${s.rss.toFixed(2)} MB/min (troughs; ${s.rawRss.toFixed(2)} over every sample); fds ${s.fdRange}, slope ${s.fds.toFixed(2)}/min (${s.samples} samples over minutes 1-3)`,
          )
          .join('\n'),
    );
    expect(problems).toEqual([]);
    expect(lostChurn).toBe(0);
    expect(cycles.length).toBeGreaterThan(SOAK_SECONDS); // the churn really ran (≥ 1 cycle a second)
    for (const s of slopes) {
      expect(s.rss).toBeLessThan(MAX_RSS_SLOPE_MB_PER_MIN);
      expect(s.fds).toBeLessThan(MAX_FD_SLOPE_PER_MIN);
    }
    await Promise.all(apps.map((a) => a.relay.close()));
  });
});
