import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Test helper (exported from `@relaybox/adapters/testing`): a real Redis Cluster of local
// `redis-server` processes in cluster mode, on free loopback ports, owned and torn down by the test.

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Primaries (>= 3, the minimum `redis-cli --cluster create` accepts). Default 3. */
  primaries?: number;
  /** Replicas per primary. Default 0. */
  replicasPerPrimary?: number;
  /** Bound on the whole start, ms. Default 30000. */
  startTimeoutMs?: number;
}

export interface RedisClusterProcess {
  /** Every node as `host:port`, primaries first (as created). */
  readonly nodes: string[];
  /** The value of `RELAYBOX_REDIS_CLUSTER` for this cluster. */
  readonly seeds: string;
  /** Runs redis-cli against one node; returns its stdout. */
  cli(node: string, ...args: string[]): Promise<string>;
  /** Kills one node's process (a crashed primary). */
  kill(node: string): void;
  /** Kills every process this helper started and deletes its directory. */
  stop(): Promise<void>;
}

/** A TCP port free now on 127.0.0.1 whose cluster bus port (port + 10000) is free as well. */
async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20000 + Math.floor(Math.random() * 35000);
    if ((await isFree(port)) && (await isFree(port + 10000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function cli(node: string, ...args: string[]): Promise<string> {
  const [host, port] = node.split(':') as [string, string];
  const { stdout } = await run('redis-cli', ['-h', host, '-p', port, ...args], { timeout: 15000 });
  return stdout;
}

async function waitFor(what: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The node reports `cluster_state:ok` with every primary, knows every replica's primary, and (a
 * replica) has its replication link up: a failover asked for right after start finds its replica.
 */
async function settled(node: string, primaries: number, replicas: number): Promise<boolean> {
  const info = await cli(node, 'CLUSTER', 'INFO');
  if (!info.includes('cluster_state:ok') || !info.includes(`cluster_size:${primaries}`)) return false;
  if (replicas === 0) return true;
  const known = (await cli(node, 'CLUSTER', 'NODES'))
    .split('\n')
    .filter((line) => line.split(' ')[2]?.includes('slave') && line.split(' ')[3] !== '-');
  if (known.length !== primaries * replicas) return false;
  const replication = await cli(node, 'INFO', 'replication');
  return !replication.includes('role:slave') || replication.includes('master_link_status:up');
}

function startNode(dir: string, port: number): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'];
  args.push('--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000');
  args.push('--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', `dump-${port}.rdb`);
  return spawn('redis-server', args, { stdio: 'ignore' });
}

/**
 * Starts the nodes, creates the cluster and waits until every node reports `cluster_state:ok`
 * and knows every primary. Throws (after killing what it started) when that takes longer than
 * `startTimeoutMs`.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterProcess> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 0;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30000);
  const dir = await mkdtemp(join(tmpdir(), 'rb-redis-cluster-'));
  const processes = new Map<string, ChildProcess>();
  const stop = async (): Promise<void> => {
    for (const child of processes.values()) if (child.exitCode === null) child.kill('SIGKILL');
    processes.clear();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries * (1 + replicas); i += 1) {
      const port = await freeClusterPort();
      processes.set(`127.0.0.1:${port}`, startNode(dir, port));
    }
    const nodes = [...processes.keys()];
    for (const node of nodes)
      await waitFor(`${node} to answer`, deadline, async () => (await cli(node, 'PING')).includes('PONG'));
    const replicaArgs = replicas > 0 ? ['--cluster-replicas', String(replicas)] : [];
    await run('redis-cli', ['--cluster', 'create', ...nodes, ...replicaArgs, '--cluster-yes'], {
      timeout: Math.max(1000, deadline - Date.now()),
    });
    for (const node of nodes) {
      await waitFor(`${node} to see the whole cluster`, deadline, () => settled(node, primaries, replicas));
    }
    return {
      nodes,
      seeds: nodes.join(','),
      cli,
      kill: (node) => processes.get(node)?.kill('SIGKILL'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
