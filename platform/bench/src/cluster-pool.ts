/**
 * Where a row gets its servers. A measured run starts fresh server processes for every row and
 * stops them after it. `--quick` keeps one cluster per server (and gateway entry) for the whole
 * run, since starting a gateway under tsx takes seconds of CPU and a quick row only checks that
 * the scenario completes; rows that must own their cluster (the resume storm kills a node) ask
 * for a fresh one. Every cluster is stopped (processes, Redis keys, exchange) by `release` or
 * `close`, and the names it created are kept for the JSON report.
 */
import { type Cluster, startCluster } from './cluster.js';
import type { ServerSpec } from './server-specs.js';

export interface CreatedNames {
  redisPrefixes: string[];
  amqpExchanges: string[];
}

export class ClusterPool {
  /** Kept clusters by server and gateway entry (reuse mode only). */
  private readonly kept = new Map<string, Promise<Cluster>>();
  readonly created: CreatedNames = { redisPrefixes: [], amqpExchanges: [] };

  constructor(
    private readonly runId: string,
    private readonly reuse: boolean,
  ) {}

  acquire(spec: ServerSpec, gatewayEntry: string, fresh = false): Promise<Cluster> {
    if (!this.reuse || fresh) return this.start(spec, gatewayEntry);
    const key = `${spec.name} ${gatewayEntry}`;
    let cluster = this.kept.get(key);
    if (!cluster) {
      cluster = this.start(spec, gatewayEntry);
      this.kept.set(key, cluster);
      cluster.catch(() => this.kept.delete(key)); // a failed start is tried again by the next row
    }
    return cluster;
  }

  /** After a row: stops a fresh cluster; a kept one stays for the next row unless a node of it died. */
  async release(cluster: Cluster): Promise<void> {
    for (const [key, kept] of this.kept) {
      if ((await kept.catch(() => null)) !== cluster) continue;
      try {
        cluster.assertAlive();
        return;
      } catch {
        this.kept.delete(key);
      }
    }
    await cluster.stop();
  }

  /** Stops every kept cluster. */
  async close(): Promise<void> {
    const all = await Promise.all([...this.kept.values()].map((c) => c.catch(() => null)));
    this.kept.clear();
    await Promise.all(all.map((c) => c?.stop()));
  }

  private async start(spec: ServerSpec, gatewayEntry: string): Promise<Cluster> {
    const cluster = await startCluster(spec, gatewayEntry, this.runId);
    if (cluster.redisPrefix) this.created.redisPrefixes.push(cluster.redisPrefix);
    if (cluster.amqpExchange) this.created.amqpExchanges.push(cluster.amqpExchange);
    return cluster;
  }
}
