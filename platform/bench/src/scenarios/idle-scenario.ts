import type { Cluster } from '../cluster.js';
import type { ClientKind } from '../load/client-socket.js';
import type { ConnectTarget } from '../load/connection.js';
import type { ConnectResult } from '../load/load-worker.js';
import { spawnLoadWorkers } from '../load-pool.js';
import { readPeakRss, readRss } from '../proc-stats.js';
import { sleep } from '../timeout.js';
import { connectCommand } from './connect-command.js';

export interface IdleConfig {
  /** Connection counts to measure at, ascending; connections are added cumulatively. */
  levels: number[];
  settleMs: number;
  /**
   * How long after the servers became ready to read the baseline. V8's memory reducer returns
   * start-up garbage to the OS ~8-10 s after a process starts (Socket.IO drops ~17 MB here); a
   * baseline read before that makes every later per-connection figure too low.
   */
  baselineDelayMs: number;
  client: ClientKind;
}

export interface IdleLevel {
  target: number;
  connected: number;
  failed: number;
  errors: string[];
  /** Seconds it took to open this level's new connections. */
  connectSeconds: number;
  rssBytes: number | null;
  /** (RSS now − RSS before the first connection) / connections open, summed over nodes. */
  bytesPerConnection: number | null;
  /**
   * (RSS now − RSS at the previous level) / connections added since: insensitive to how much
   * start-up garbage the baseline held. Null at the first level.
   */
  marginalBytesPerConnection: number | null;
}

export interface IdleRow {
  baselineRssBytes: number | null;
  levels: IdleLevel[];
  peakRssBytes: number | null;
}

/** Sockets per load-generator process: well under the 20,000 open files a process may have. */
const PER_WORKER = 7000;
const CONCURRENCY = 100;
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * (c) idle connections: handshaken, joined to nothing. RSS per connection is the growth of the
 * server's VmRSS from before the first connection, divided by the connections open, read after
 * `settleMs` of quiet at each level.
 */
export async function runIdle(cluster: Cluster, config: IdleConfig): Promise<IdleRow> {
  await sleep(
    Math.max(Math.min(1000, config.baselineDelayMs), cluster.readyAt + config.baselineDelayMs - Date.now()),
  );
  const baselineRssBytes = readRss(cluster.pids);
  const max = config.levels.at(-1) ?? 0;
  const workers = await spawnLoadWorkers('idle', Math.max(2, Math.ceil(max / PER_WORKER)));
  const levels: IdleLevel[] = [];
  let opened = 0;
  try {
    let open = 0;
    for (const target of config.levels) {
      const byWorker: ConnectTarget[][] = workers.map(() => []);
      for (let g = opened; g < target; g++) {
        byWorker[g % workers.length]!.push({
          hostPort: cluster.hostPorts[g % cluster.hostPorts.length]!,
          clientId: `idle-${g}`,
        });
      }
      opened = target;
      const started = Date.now();
      const results = await Promise.all(
        workers.map((worker, w) => {
          const targets = byWorker[w]!;
          const command = connectCommand(cluster, 'idle', targets, config.client, {
            concurrency: CONCURRENCY,
            timeoutMs: CONNECT_TIMEOUT_MS,
          });
          return worker.request<ConnectResult>(command, 60_000 + targets.length * 20);
        }),
      ).catch((error: unknown) => {
        throw new Error(`connect ${target}: ${error instanceof Error ? error.message : String(error)}`);
      });
      const connectSeconds = (Date.now() - started) / 1000;
      open += results.reduce((sum, r) => sum + r.connected, 0);
      const failed = results.reduce((sum, r) => sum + r.failed, 0);
      const errors = [...new Set(results.flatMap((r) => r.errors))].slice(0, 3);
      if (open < target * 0.95) {
        throw new Error(`connect ${target}: only ${open} connections open (${errors.join('; ')})`);
      }
      await sleep(config.settleMs);
      cluster.assertAlive();
      const rssBytes = readRss(cluster.pids);
      const bytesPerConnection =
        rssBytes === null || baselineRssBytes === null ? null : (rssBytes - baselineRssBytes) / open;
      const previous = levels.at(-1);
      const marginalBytesPerConnection =
        previous?.rssBytes == null || rssBytes === null || open === previous.connected
          ? null
          : (rssBytes - previous.rssBytes) / (open - previous.connected);
      levels.push({
        target,
        connected: open,
        failed,
        errors,
        connectSeconds,
        rssBytes,
        bytesPerConnection,
        marginalBytesPerConnection,
      });
    }
    return { baselineRssBytes, levels, peakRssBytes: readPeakRss(cluster.pids) };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
