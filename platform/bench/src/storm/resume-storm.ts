/**
 * (f) resume storm: N SDK clients subscribed to one room on gateway A of a two-node RelayBox
 * (RabbitMQ + Redis) while a publisher on gateway B streams at a fixed rate; A is SIGKILLed and
 * every client resumes on B (the SDK rotates to its next URL and re-subscribes with `fromSeq`).
 * Reports lost/duplicated at the app, the time from the kill until the last client received a
 * message published after it saw its connection drop (in order, so it had everything before), and B's and Redis's
 * CPU peak (% of one core over 250 ms samples).
 */
import { RelayBox } from '@relaybox/client';
import WebSocket from 'ws';
import type { Cluster } from '../cluster.js';
import { type LoadWorker, STORM_WORKER_PATH, spawnLoadWorkers } from '../load-pool.js';
import { nowMicros } from '../payload.js';
import { readCpu, sumCpu } from '../proc-stats.js';
import { findServicePids, readServiceCpu } from '../service-cpu.js';
import { sleep } from '../timeout.js';
import { mergeTallies, type StormTally } from './seq-account.js';
import type { StormConnectResult } from './storm-worker.js';

export interface ResumeStormConfig {
  clients: number;
  rate: number;
  workers: number;
  /** Streaming before the kill, and after it. */
  beforeKillMs: number;
  afterKillMs: number;
  /** Bound on waiting for every client to reach the last published seq. */
  catchUpLimitMs: number;
}

export interface ResumeStormRow extends StormTally {
  discontinuities: number;
  published: number;
  publishFailures: number;
  /** Why publishes failed (first three): a failed publish has no seq, so it is not a loss. */
  publishFailureSamples: string[];
  finalSeq: number;
  /** ms from the kill until the last client got a message published after it; null if one never did. */
  lastCaughtUpMs: number | null;
  gatewayBCpuPeakPercent: number | null;
  redisCpuPeakPercent: number | null;
}

const ROOM = 'bench:storm:0';
const wsUrl = (hostPort: string): string => `ws://${hostPort}/v1/ws`;

/** Fixed-rate publisher on gateway B (absolute schedule, bounded by `untilMicros`); tracks the highest acked seq. */
function streamer(cluster: Cluster, rate: number) {
  const relay = new RelayBox({
    url: wsUrl(cluster.hostPorts[1]!),
    apiKey: cluster.apiKey!,
    clientId: 'storm-publisher',
    WebSocket: WebSocket as never,
  });
  const state = { maxSeq: 0, published: 0, failures: 0, failureSamples: [] as string[], stop: false };
  const pending = new Set<Promise<void>>();
  const run = async (): Promise<void> => {
    await relay.connect();
    const room = await relay.join(ROOM);
    const start = nowMicros();
    for (let i = 0; !state.stop; i++) {
      const wait = (start + (i * 1e6) / rate - nowMicros()) / 1000;
      if (wait > 0) await sleep(wait);
      if (state.stop) break; // stop() may have come during the wait: no publish into a closing client
      const p = room.publish('m', { i, t: nowMicros() }).then(
        (ack) => {
          state.maxSeq = Math.max(state.maxSeq, ack.seq);
        },
        (error: unknown) => {
          state.failures++;
          const message = error instanceof Error ? error.message : String(error);
          if (state.failureSamples.length < 3) state.failureSamples.push(message);
        },
      );
      state.published++;
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  };
  return {
    state,
    /** Starts streaming; rejects if the publisher cannot connect or join. */
    start: () => run(),
    async stop(): Promise<void> {
      state.stop = true;
      await Promise.race([Promise.allSettled([...pending]), sleep(10_000)]);
      await relay.close();
    },
  };
}

/** Samples the CPU of B and Redis every 250 ms; returns the peaks (% of one core) when stopped. */
function cpuPeaks(gatewayPid: number) {
  const redisPids = findServicePids(['redis']);
  const read = () => ({
    at: nowMicros(),
    b: sumCpu([readCpu(gatewayPid)]),
    redis: readServiceCpu(redisPids).redis,
  });
  let prev = read();
  const peaks = { b: null as number | null, redis: null as number | null };
  const pct = (
    a: { userMicros: number; systemMicros: number } | null | undefined,
    z: typeof a,
    micros: number,
  ) => (a && z ? (100 * (z.userMicros + z.systemMicros - a.userMicros - a.systemMicros)) / micros : null);
  const timer = setInterval(() => {
    const now = read();
    const span = now.at - prev.at;
    const b = pct(prev.b, now.b, span);
    const r = pct(prev.redis, now.redis, span);
    if (b !== null) peaks.b = Math.max(peaks.b ?? 0, b);
    if (r !== null) peaks.redis = Math.max(peaks.redis ?? 0, r);
    prev = now;
  }, 250);
  return () => {
    clearInterval(timer);
    return peaks;
  };
}

async function tallyAll(workers: LoadWorker[], finalSeq: number) {
  const parts = await Promise.all(
    workers.map((w) =>
      w.request<StormTally & { discontinuities: number }>({ cmd: 'tally', finalSeq }, 30_000),
    ),
  );
  return { ...mergeTallies(parts), discontinuities: parts.reduce((s, p) => s + p.discontinuities, 0) };
}

async function connectClients(cluster: Cluster, workers: LoadWorker[], clients: number): Promise<void> {
  const urls = cluster.hostPorts.map(wsUrl);
  const results = await Promise.all(
    workers.map((w, k) => {
      const clientIds = Array.from({ length: clients }, (_, i) => `storm-${i}`).filter(
        (_, i) => i % workers.length === k,
      );
      const command = {
        cmd: 'connect' as const,
        urls,
        apiKey: cluster.apiKey!,
        room: ROOM,
        clientIds,
        timeoutMs: 30_000,
      };
      return w.request<StormConnectResult>(command, 60_000 + clientIds.length * 100);
    }),
  );
  const failed = results.reduce((s, r) => s + r.failed, 0);
  if (failed > 0)
    throw new Error(
      `connect: ${failed} of ${clients} clients failed (${results
        .flatMap((r) => r.errors)
        .slice(0, 3)
        .join('; ')})`,
    );
}

export async function runResumeStorm(cluster: Cluster, config: ResumeStormConfig): Promise<ResumeStormRow> {
  const workers = await spawnLoadWorkers('storm', config.workers, STORM_WORKER_PATH);
  const stream = streamer(cluster, config.rate);
  try {
    // The stream starts once every client is subscribed: clients connecting under a running
    // stream would make the ramp compete with deliveries in the same processes.
    await connectClients(cluster, workers, config.clients);
    const streaming = stream.start();
    streaming.catch(() => {}); // a late failure shows as publish failures and a low final seq
    await Promise.race([streaming, sleep(config.beforeKillMs)]);
    const stopSampling = cpuPeaks(cluster.pids[1]!);
    const killedAt = nowMicros();
    process.kill(cluster.pids[0]!, 'SIGKILL');
    await sleep(config.afterKillMs);
    await stream.stop();
    const finalSeq = stream.state.maxSeq;
    const deadline = Date.now() + config.catchUpLimitMs;
    let t = await tallyAll(workers, finalSeq);
    while (t.complete < t.clients && Date.now() < deadline) {
      await sleep(250);
      t = await tallyAll(workers, finalSeq);
    }
    const peaks = stopSampling();
    return {
      ...t,
      published: stream.state.published,
      publishFailures: stream.state.failures,
      publishFailureSamples: stream.state.failureSamples,
      finalSeq,
      lastCaughtUpMs:
        t.caughtUp === t.clients && t.lastCaughtUpAt !== null ? (t.lastCaughtUpAt - killedAt) / 1000 : null,
      gatewayBCpuPeakPercent: peaks.b,
      redisCpuPeakPercent: peaks.redis,
    };
  } finally {
    await stream.stop().catch(() => {});
    await Promise.all(workers.map((w) => w.stop()));
  }
}
