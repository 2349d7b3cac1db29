import { randomBytes } from 'node:crypto';
import type { Protocol } from './load/connection.js';
import type { ServiceName } from './service-cpu.js';

export const SERVER_NAMES = [
  'relaybox',
  'relaybox2',
  'socketio',
  'socketio2',
  'uws',
  'relayboxtraced',
] as const;
export type ServerName = (typeof SERVER_NAMES)[number];
/** The rows of the chat, broadcast and idle scenarios unless `--servers` names others. */
export const DEFAULT_SERVERS: readonly ServerName[] = [
  'relaybox',
  'relaybox2',
  'socketio',
  'socketio2',
  'uws',
];

export interface ServerSpec {
  name: ServerName;
  label: string;
  protocol: Protocol;
  nodes: number;
  /** Shared services the row uses: their CPU over the window is counted as the platform's. */
  services: ServiceName[];
  /** Extra environment of every node (RelayBox rows). */
  env?: Record<string, string>;
  /** Extra `node` flags of every node (RelayBox rows), e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export const SERVER_SPECS: Record<ServerName, ServerSpec> = {
  // RelayBox rows run with tracing off (the production setting); `relayboxtraced` turns it on.
  relaybox: {
    name: 'relaybox',
    label: 'RelayBox (1 node)',
    protocol: 'relaybox',
    nodes: 1,
    services: ['redis'],
    env: { RELAYBOX_TRACING: 'off' },
  },
  relaybox2: {
    name: 'relaybox2',
    label: 'RelayBox (2 nodes, AMQP)',
    protocol: 'relaybox',
    nodes: 2,
    services: ['redis', 'rabbitmq'],
    env: { RELAYBOX_TRACING: 'off' },
  },
  socketio: { name: 'socketio', label: 'Socket.IO 4 (1 node)', protocol: 'socketio', nodes: 1, services: [] },
  socketio2: {
    name: 'socketio2',
    label: 'Socket.IO 4 (2 nodes, Redis)',
    protocol: 'socketio',
    nodes: 2,
    services: ['redis'],
  },
  uws: { name: 'uws', label: 'raw uWS pub/sub', protocol: 'uws', nodes: 1, services: [] },
  relayboxtraced: {
    name: 'relayboxtraced',
    label: 'RelayBox (1 node, tracing on)',
    protocol: 'relaybox',
    nodes: 1,
    services: ['redis'],
    env: { RELAYBOX_TRACING: 'on' },
  },
};

/**
 * The Redis every server of the run uses. `RELAYBOX_BENCH_REDIS_URL` points the run at a Redis of its
 * own (e.g. a `redis-server --port 6395` started for the measurement), so that its `INFO
 * commandstats` and its process CPU count this run alone on a machine whose system Redis serves
 * other work too. The Redis CPU column still sums every `redis-server` process (see service-cpu.ts).
 */
export const REDIS_URL = process.env.RELAYBOX_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** How to start one node of a cluster. Every command runs with the workspace root as cwd. */
export interface NodeLaunch {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  healthPath: string;
}

export interface ClusterPlan {
  nodes: NodeLaunch[];
  /** RelayBox only: the dev API key the gateway is started with. */
  apiKey?: string;
  /** Redis key prefix the cluster writes under, deleted once the row is done. */
  redisPrefix?: string;
  /** RabbitMQ exchange of a two-node RelayBox row (durable), deleted once the row is done. */
  amqpExchange?: string;
}

const TSX = ['--import', 'tsx'];
/**
 * `RELAYBOX_BENCH_CPU_PROF=<dir>`: every server process writes a V8 CPU profile there when it
 * stops (open it in Chrome DevTools); the profiles of docs/benchmarks.md were taken this way.
 */
const PROFILE = process.env.RELAYBOX_BENCH_CPU_PROF
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RELAYBOX_BENCH_CPU_PROF}`]
  : [];

/** Limits lifted so that neither the publish rate nor the connection ramp is throttled. */
const RELAYBOX_LIMITS = JSON.stringify({
  connectionRatePerSecond: 1_000_000,
  connectionBurst: 1_000_000,
  publishRatePerSecond: 1_000_000,
  publishBurst: 1_000_000,
  maxConnectionsPerApp: 1_000_000,
});

/**
 * `runId` (the bench's `--run-id`) starts every name the cluster creates in shared services: Redis
 * keys `bench:<runId>-<random>:…`, the RabbitMQ exchange `bench.<runId>-<random>`, Socket.IO's
 * channel key, so a run's leftovers can be found (the quick-mode test checks there are none).
 */
export function planCluster(
  spec: ServerSpec,
  ports: number[],
  gatewayEntry: string,
  runId: string,
): ClusterPlan {
  const run = `${runId}-${randomBytes(3).toString('hex')}`;
  const nodeName = (i: number): string => (spec.nodes > 1 ? `${spec.name}#${i + 1}` : spec.name);
  if (spec.protocol === 'uws') {
    return {
      nodes: ports.map((port, i) => ({
        name: nodeName(i),
        args: [...PROFILE, ...TSX, 'platform/bench/src/servers/uws-server.ts', '--port', String(port)],
        env: {},
        port,
        healthPath: '/health',
      })),
    };
  }
  if (spec.protocol === 'socketio') {
    const redis = spec.nodes > 1 ? ['--redis', REDIS_URL, '--key', `bench-sio-${run}`] : [];
    return {
      nodes: ports.map((port, i) => ({
        name: nodeName(i),
        args: [
          ...PROFILE,
          ...TSX,
          'platform/bench/src/servers/socketio-server.ts',
          '--port',
          String(port),
          ...redis,
        ],
        env: {},
        port,
        healthPath: '/health',
      })),
    };
  }
  const apiKey = `bench.default:${randomBytes(24).toString('base64url')}`;
  const redisPrefix = `bench:${run}:`;
  const amqpExchange = `bench.${run}`;
  return {
    apiKey,
    redisPrefix,
    ...(spec.nodes > 1 ? { amqpExchange } : {}),
    nodes: ports.map((port, i) => ({
      name: nodeName(i),
      args: [...PROFILE, ...(spec.nodeArgs ?? []), ...TSX, gatewayEntry],
      env: {
        RELAYBOX_PORT: String(port),
        RELAYBOX_HOST: '127.0.0.1',
        RELAYBOX_BROKER: spec.nodes > 1 ? 'amqp' : 'memory',
        RELAYBOX_STORE: 'redis',
        RELAYBOX_REDIS_URL: REDIS_URL,
        RELAYBOX_AMQP_URL: AMQP_URL,
        RELAYBOX_REDIS_PREFIX: redisPrefix,
        RELAYBOX_AMQP_EXCHANGE: amqpExchange,
        RELAYBOX_NODE_ID: `bench-${run}-${i + 1}`,
        RELAYBOX_DEV_API_KEY: apiKey,
        RELAYBOX_LIMITS: RELAYBOX_LIMITS,
        // As deployed: no admin API, so no inspector snapshot (docs/benchmarks.md, idle connections);
        // tracing is set per spec. Development mode would also write an admin token to .relaybox/.
        RELAYBOX_ENV: 'production',
        ...spec.env,
      },
      port,
      healthPath: '/v1/health',
    })),
  };
}
