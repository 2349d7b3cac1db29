/**
 * (f) resume storm: N SDK clients spread over a set of rooms on gateway A of a two-node RelayBox
 * (RabbitMQ + Redis) while a publisher on gateway B streams at a fixed rate; A is SIGKILLed and
 * every client reconnects to B (the SDK rotates to its next URL), resumes (or opens a new session)
 * and gets what it missed. Reports lost/duplicated at the app, resumed vs new sessions, the time
 * from the kill until each client had caught up, and the platform's CPU (both gateways, Redis,
 * RabbitMQ) before the kill and while recovering. Every wait has a deadline; clients not caught
 * up within `catchUpCapMs` of the kill are reported as such and fail the run.
 */
import type { Cluster } from '../cluster.js';
import { type LoadWorker, STORM_WORKER_PATH, spawnLoadWorkers } from '../load-pool.js';
import { nowMicros } from '../payload.js';
import { sleep, withTimeout } from '../timeout.js';
import { type CpuFigures, cpuBetween, sampleCpu } from './cpu-series.js';
import { mergeTallies, quantile } from './seq-account.js';
import { streamer, wsUrl } from './storm-publisher.js';
import type { StormConnectResult, StormWorkerTally } from './storm-worker.js';

export interface ResumeStormConfig {
  clients: number;
  rooms: number;
  /** Messages per second over all rooms (round-robin). */
  rate: number;
  workers: number;
  /** Streaming before the kill, and after it. */
  beforeKillMs: number;
  afterKillMs: number;
  /** Every client must hold its room's last seq within this long after the kill. */
  catchUpCapMs: number;
}

export interface ResumeStormRow {
  clients: number;
  rooms: number;
  rate: number;
  lost: number;
  duplicated: number;
  resumed: number;
  newSession: number;
  discontinuities: number;
  /** Clients reconnected and holding every message up to their room's last seq within the cap. */
  caughtUp: number;
  /** Kill → caught up, ms, over the clients that caught up. */
  catchUpP50Ms: number | null;
  catchUpP99Ms: number | null;
  catchUpMaxMs: number | null;
  /** Kill → the new connection acknowledged, ms (p50/max): how much of the catch-up the reconnect took. */
  reconnectP50Ms: number | null;
  reconnectMaxMs: number | null;
  published: number;
  publishFailures: number;
  /** Why publishes failed (first three): a failed publish has no seq, so it is not a loss. */
  publishFailureSamples: string[];
  /** CPU over the last `beforeKillMs` of steady streaming, and from the kill until the last client caught up. */
  steadyCpu: CpuFigures;
  recoveryCpu: CpuFigures;
}

const roomName = (k: number): string => `bench:storm:${k}`;

async function tallyAll(workers: LoadWorker[], finalSeqs: Record<string, number>, killedAt: number) {
  const parts = await Promise.all(
    workers.map((w) => w.request<StormWorkerTally>({ cmd: 'tally', finalSeqs, killedAt }, 30_000)),
  );
  return { ...mergeTallies(parts), discontinuities: parts.reduce((s, p) => s + p.discontinuities, 0) };
}

async function connectClients(
  cluster: Cluster,
  workers: LoadWorker[],
  config: ResumeStormConfig,
): Promise<void> {
  const urls = cluster.hostPorts.map(wsUrl);
  const all = Array.from({ length: config.clients }, (_, i) => ({
    clientId: `storm-${i}`,
    room: roomName(i % config.rooms),
  }));
  const results = await Promise.all(
    workers.map((w, k) => {
      const clients = all.filter((_, i) => i % workers.length === k);
      const command = { cmd: 'connect' as const, urls, apiKey: cluster.apiKey!, clients, timeoutMs: 30_000 };
      return w.request<StormConnectResult>(command, 60_000 + clients.length * 100);
    }),
  );
  const failed = results.reduce((s, r) => s + r.failed, 0);
  if (failed > 0) {
    const errors = [...new Set(results.flatMap((r) => r.errors))].slice(0, 3).join('; ');
    throw new Error(`connect: ${failed} of ${config.clients} clients failed (${errors})`);
  }
}

export async function runResumeStorm(cluster: Cluster, config: ResumeStormConfig): Promise<ResumeStormRow> {
  const workers = await spawnLoadWorkers('storm', config.workers, STORM_WORKER_PATH);
  const rooms = Array.from({ length: config.rooms }, (_, k) => roomName(k));
  const stream = streamer(cluster, rooms, config.rate);
  try {
    // The stream starts once every client is subscribed: clients connecting under a running
    // stream would make the ramp compete with deliveries in the same processes.
    await connectClients(cluster, workers, config);
    await withTimeout(stream.ready(), 30_000, 'the publisher to join every room');
    const cpu = sampleCpu({ a: cluster.pids[0]!, b: cluster.pids[1]!, clients: workers.map((w) => w.pid) });
    const streamStart = nowMicros();
    const streaming = stream.start();
    streaming.catch(() => {}); // a late failure shows as publish failures and low final seqs
    await Promise.race([streaming, sleep(config.beforeKillMs)]);
    const killedAt = nowMicros();
    process.kill(cluster.pids[0]!, 'SIGKILL');
    await sleep(config.afterKillMs);
    await stream.stop();
    // Every client must now reach its room's last acknowledged seq; bounded by the cap.
    const finalSeqs = stream.finalSeqs();
    const deadline = killedAt + config.catchUpCapMs * 1000;
    let t = await tallyAll(workers, finalSeqs, killedAt);
    while (t.complete < t.clients && nowMicros() < deadline) {
      await sleep(250);
      t = await tallyAll(workers, finalSeqs, killedAt);
    }
    const points = cpu.stop();
    const max = quantile(t.catchUpMs, 1);
    return {
      clients: t.clients,
      rooms: config.rooms,
      rate: config.rate,
      lost: t.lost,
      duplicated: t.duplicated,
      resumed: t.resumed,
      newSession: t.newSession,
      discontinuities: t.discontinuities,
      caughtUp: t.complete,
      catchUpP50Ms: quantile(t.catchUpMs, 0.5),
      catchUpP99Ms: quantile(t.catchUpMs, 0.99),
      catchUpMaxMs: max,
      reconnectP50Ms: quantile(t.reconnectMs, 0.5),
      reconnectMaxMs: quantile(t.reconnectMs, 1),
      published: stream.state.published,
      publishFailures: stream.state.failures,
      publishFailureSamples: stream.state.failureSamples,
      steadyCpu: cpuBetween(points, streamStart, killedAt),
      recoveryCpu: cpuBetween(points, killedAt, killedAt + (max ?? config.catchUpCapMs) * 1000),
    };
  } finally {
    await stream.stop().catch(() => {});
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Why a resume storm row fails the run: anything lost or duplicated, or a client not caught up within the cap. */
export function resumeStormFailures(row: ResumeStormRow, capMs: number): string[] {
  const out: string[] = [];
  if (row.lost > 0) out.push(`${row.lost} deliveries lost`);
  if (row.duplicated > 0) out.push(`${row.duplicated} deliveries duplicated`);
  if (row.caughtUp < row.clients)
    out.push(
      `${row.clients - row.caughtUp} of ${row.clients} clients not caught up within ${capMs / 1000} s of the kill`,
    );
  return out;
}
