/**
 * (g) connection storm: N clients open at a fixed rate (RelayBox: each with its own JWT, verified
 * before the upgrade; raw uWS: a plain upgrade, the floor) from several load processes on an
 * absolute schedule, whatever is still opening. Reports how many were accepted, the time from a
 * socket's start until it was ready (RelayBox: the `connected` frame; uWS: the open), and the
 * platform CPU (server + the Redis it uses) per accepted connection over the storm.
 */
import { RelayBoxRest } from '@relaybox/rest';
import type { Cluster } from '../cluster.js';
import { Histogram } from '../histogram.js';
import type { ClientKind } from '../load/client-socket.js';
import type { ConnectTarget } from '../load/connection.js';
import type { ConnectResult } from '../load/load-worker.js';
import { spawnLoadWorkers } from '../load-pool.js';
import { cpuDelta, readCpu, sumCpu } from '../proc-stats.js';
import { connectCommand } from '../scenarios/connect-command.js';
import { findServicePids, readServiceCpu } from '../service-cpu.js';

export interface ConnectionStormConfig {
  clients: number;
  ratePerSecond: number;
  workers: number;
  client: ClientKind;
  /** Bound on one connection's opening (a refused or stuck one counts as failed). */
  timeoutMs: number;
}

export interface ConnectionStormRow {
  clients: number;
  connected: number;
  failed: number;
  errors: string[];
  /** From the first scheduled start until the last connection was ready or failed. */
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server processes' CPU over the storm, per accepted connection (µs). */
  serverMicrosPerConnection: number | null;
  /** Server + Redis CPU per accepted connection (µs): what the platform pays. */
  platformMicrosPerConnection: number | null;
}

/** Tokens minted the way an app's backend does (`@relaybox/rest` createToken, HS256, 1 h). */
async function mintTokens(cluster: Cluster, count: number): Promise<string[]> {
  const rest = new RelayBoxRest({ apiKey: cluster.apiKey!, url: `http://${cluster.hostPorts[0]}` });
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push((await rest.createToken({ clientId: `storm-${i}`, expiresIn: 3600 })).token);
  }
  return tokens;
}

const micros = (s: { userMicros: number; systemMicros: number } | null): number | null =>
  s ? s.userMicros + s.systemMicros : null;

export async function runConnectionStorm(
  cluster: Cluster,
  config: ConnectionStormConfig,
): Promise<ConnectionStormRow> {
  const tokens = cluster.spec.protocol === 'relaybox' ? await mintTokens(cluster, config.clients) : [];
  const byWorker: ConnectTarget[][] = Array.from({ length: config.workers }, () => []);
  for (let i = 0; i < config.clients; i++) {
    const target: ConnectTarget = {
      hostPort: cluster.hostPorts[i % cluster.hostPorts.length]!,
      clientId: `storm-${i}`,
    };
    if (tokens[i]) target.token = tokens[i];
    byWorker[i % config.workers]!.push(target);
  }
  const workers = await spawnLoadWorkers('connstorm', config.workers);
  try {
    const servicePids = findServicePids(cluster.spec.services);
    const readAll = () => ({
      server: sumCpu(cluster.pids.map(readCpu)),
      services: readServiceCpu(servicePids),
    });
    // Every worker starts on the same schedule, offset so that together they open at the rate.
    const startAt = Date.now() + 500;
    const perWorkerRate = config.ratePerSecond / config.workers;
    const before = readAll();
    const results = await Promise.all(
      workers.map((worker, w) => {
        const command = connectCommand(cluster, 'idle', byWorker[w]!, config.client, {
          concurrency: 1,
          timeoutMs: config.timeoutMs,
        });
        command.paced = {
          ratePerSecond: perWorkerRate,
          startAt: startAt + (w * 1000) / config.ratePerSecond,
        };
        const expectedMs = (byWorker[w]!.length / perWorkerRate) * 1000;
        return worker.request<ConnectResult>(command, expectedMs + config.timeoutMs + 30_000);
      }),
    );
    const after = readAll();
    const latency = new Histogram();
    for (const r of results) if (r.latency) latency.add(r.latency.counts, r.latency.max);
    const connected = results.reduce((s, r) => s + r.connected, 0);
    const server = micros(cpuDelta(before.server, after.server));
    let platform = server;
    for (const name of cluster.spec.services) {
      const used = micros(cpuDelta(before.services[name] ?? null, after.services[name] ?? null));
      platform = platform === null || used === null ? null : platform + used;
    }
    return {
      clients: config.clients,
      connected,
      failed: results.reduce((s, r) => s + r.failed, 0),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 3),
      elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
      p50Ms: latency.quantile(0.5) / 1000,
      p99Ms: latency.quantile(0.99) / 1000,
      maxMs: latency.max / 1000,
      serverMicrosPerConnection: server !== null && connected > 0 ? server / connected : null,
      platformMicrosPerConnection: platform !== null && connected > 0 ? platform / connected : null,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
