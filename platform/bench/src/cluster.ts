import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect as connectAmqp } from 'amqplib';
import { Redis } from 'ioredis';
import { stopChild, trackChild } from './child-registry.js';
import { repoRoot } from './paths.js';
import {
  AMQP_URL,
  type ClusterPlan,
  type NodeLaunch,
  planCluster,
  REDIS_URL,
  type ServerSpec,
} from './server-specs.js';
import { sleep } from './timeout.js';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** The running server process(es) of one row. */
export interface Cluster {
  spec: ServerSpec;
  pids: number[];
  /** `127.0.0.1:<port>` per node; node 0 is where publishers connect. */
  hostPorts: string[];
  apiKey?: string;
  /** Names this cluster created in Redis and RabbitMQ (deleted by `stop()`). */
  redisPrefix?: string;
  amqpExchange?: string;
  /** Date.now() when every node answered its health check. */
  readyAt: number;
  /** Throws when a node has died since it became ready (the row's figures would be meaningless). */
  assertAlive(): void;
  stop(): Promise<void>;
}

interface RunningNode {
  launch: NodeLaunch;
  child: ChildProcess;
  tail: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The most telling output of a node: a thrown error's headline (`SyntaxError: ...`,
 * `Error [ERR_X]: ...`) if it printed one, else a line that mentions an error, else its last lines.
 */
function outputSummary(node: RunningNode): string {
  const { tail } = node;
  let i = tail.findIndex((line) => /^[A-Za-z]*Error\b/.test(line));
  if (i < 0) i = tail.findIndex((line) => /error/i.test(line) && !line.startsWith('at '));
  if (i < 0) return tail.slice(-3).join(' | ');
  // "Error: Transform failed with 1 error:" and the like name the problem on the next line.
  const next = tail[i + 1];
  return tail[i]!.endsWith(':') && next && !next.startsWith('at ') ? `${tail[i]} ${next}` : tail[i]!;
}

function describeExit(node: RunningNode): string {
  const { exitCode, signalCode } = node.child;
  const output = outputSummary(node);
  return `${node.launch.name} exited (${signalCode ?? `code ${exitCode}`})${output ? `: ${output}` : ''}`;
}

function launch(node: NodeLaunch): RunningNode {
  const child = spawn(process.execPath, node.args, {
    cwd: repoRoot,
    env: { ...process.env, ...node.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    tail.push(
      ...chunk
        .toString()
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    tail.splice(0, Math.max(0, tail.length - 60));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // `RELAYBOX_BENCH_SERVER_LOGS=<dir>`: every server process's stdout and stderr, whole, in
  // `<dir>/<node>-<pid>.log` (the row's error names only the first error line of the last 60).
  const logDir = process.env.RELAYBOX_BENCH_SERVER_LOGS;
  if (logDir) {
    const file = createWriteStream(join(logDir, `${node.name.replace('#', '-')}-${child.pid}.log`));
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  child.on('error', (error) => keep(Buffer.from(`spawn error: ${error.message}`)));
  return { launch: node, child, tail };
}

async function waitReady(node: RunningNode): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const url = `http://127.0.0.1:${node.launch.port}${node.launch.healthPath}`;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) throw new Error(describeExit(node));
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  const output = outputSummary(node);
  throw new Error(
    `${node.launch.name}: GET ${node.launch.healthPath} not 200 within ${READY_TIMEOUT_MS} ms (${last})${output ? `: ${output}` : ''}`,
  );
}

/** Deletes the keys a RelayBox row left under its private prefix (bounded: 20 s at most). */
async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const deadline = Date.now() + 20_000;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = nextCursor;
    } while (cursor !== '0' && Date.now() < deadline);
  } catch {
    // Cleanup is best effort: a failure here must not turn a measured row into an error.
  } finally {
    redis.disconnect();
  }
}

/** Deletes the (durable) exchange a two-node RelayBox row declared; best effort like the keys. */
async function deleteExchange(exchange: string): Promise<void> {
  try {
    const connection = await connectAmqp(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange);
    } finally {
      await connection.close();
    }
  } catch {
    // A leftover exchange costs RabbitMQ a few bytes; it must not fail a measured row.
  }
}

/** Starts a fresh cluster on fresh ports and waits until every node answers its health check. */
export async function startCluster(spec: ServerSpec, gatewayEntry: string, runId: string): Promise<Cluster> {
  const ports: number[] = [];
  for (let i = 0; i < spec.nodes; i++) ports.push(await freePort());
  const plan: ClusterPlan = planCluster(spec, ports, gatewayEntry, runId);
  const nodes = plan.nodes.map(launch);
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => stopChild(n.child, STOP_GRACE_MS)));
    if (plan.redisPrefix) await deleteRedisPrefix(plan.redisPrefix);
    if (plan.amqpExchange) await deleteExchange(plan.amqpExchange);
  };
  try {
    await Promise.all(nodes.map(waitReady));
  } catch (error) {
    await stop();
    throw error;
  }
  const cluster: Cluster = {
    spec,
    pids: nodes.map((n) => n.child.pid ?? -1),
    hostPorts: ports.map((port) => `127.0.0.1:${port}`),
    readyAt: Date.now(),
    assertAlive() {
      const dead = nodes.find((n) => n.child.exitCode !== null || n.child.signalCode !== null);
      if (dead) throw new Error(describeExit(dead));
    },
    stop,
  };
  if (plan.apiKey) cluster.apiKey = plan.apiKey;
  if (plan.redisPrefix) cluster.redisPrefix = plan.redisPrefix;
  if (plan.amqpExchange) cluster.amqpExchange = plan.amqpExchange;
  return cluster;
}
