import { afterEach } from 'vitest';
import { uniqueName, writeAppsFile } from '../harness.js';
import { type GatewayProcess, spawnGateway } from '../processes.js';

/** Gateway processes of one test, stopped after it (SIGTERM, then SIGKILL if they linger). */
const started: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map(stopProcess));
});

export async function stopProcess(gw: { proc: GatewayProcess['proc']; exited: Promise<unknown> }) {
  if (gw.proc.exitCode !== null || gw.proc.signalCode !== null) return;
  gw.proc.kill('SIGTERM');
  const timer = setTimeout(() => gw.proc.kill('SIGKILL'), 5_000);
  await gw.exited;
  clearTimeout(timer);
}

export interface ClusterOptions {
  /** Extra environment of every node (RELAYBOX_*). */
  env?: Record<string, string>;
  /** The apps file (default: the test apps of harness.ts). */
  appsFile?: string;
  /** Not stopped after each test: the caller stops them (a cluster shared by a file's tests). */
  keep?: boolean;
}

export interface ProcessCluster {
  nodes: GatewayProcess[];
  /** `relaybox-gw-<nodeId>` is each node's RabbitMQ connection name. */
  nodeIds: string[];
  /** The environment shared by every node (for workers of the same cluster). */
  env: Record<string, string>;
}

/**
 * `n` gateway processes (`main.ts`, native engine) sharing one RabbitMQ exchange and one Redis
 * prefix, both unique to this call. Publish limits are raised: the tests stream on purpose.
 */
export async function processCluster(n: number, options: ClusterOptions = {}): Promise<ProcessCluster> {
  const exchange = uniqueName('test.chaos');
  const env: Record<string, string> = {
    RELAYBOX_ENGINE: 'native',
    RELAYBOX_CONFIG: options.appsFile ?? writeAppsFile(),
    RELAYBOX_AMQP_EXCHANGE: exchange,
    RELAYBOX_REDIS_PREFIX: `${uniqueName('test')}:`,
    RELAYBOX_LOG_LEVEL: 'warn',
    RELAYBOX_LIMITS: JSON.stringify({ publishRatePerSecond: 10_000, publishBurst: 10_000 }),
    RELAYBOX_CURSOR_SECRET: 'test-cursor-secret-shared-by-all-test-gateways',
    ...options.env,
  };
  const nodeIds = Array.from({ length: n }, (_, i) => `c${i}-${exchange.slice(-15)}`);
  const results = await Promise.allSettled(
    nodeIds.map((nodeId) => spawnGateway({ ...env, RELAYBOX_NODE_ID: nodeId }, 40_000)),
  );
  const nodes = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map(stopProcess));
    throw (failed as PromiseRejectedResult).reason;
  }
  if (!options.keep) started.push(...nodes);
  return { nodes, nodeIds, env };
}
