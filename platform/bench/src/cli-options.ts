import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ClientKind } from './load/client-socket.js';
import { DEFAULT_SERVERS, SERVER_NAMES, type ServerName } from './server-specs.js';

export const SCENARIOS = ['chat', 'broadcast', 'hot', 'idle', 'tracing', 'resume', 'connect'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  scenarios: ScenarioName[];
  servers: ServerName[];
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  idleLevels: number[];
  subscriberWorkers: number;
  /** Resume storm: SDK clients on gateway A, the rooms they spread over, the publish rate over all rooms, and the catch-up cap. */
  stormClients: number;
  stormRooms: number;
  stormPublishRate: number;
  stormCatchUpCapMs: number;
  /** Connection storm: clients, and how many open per second. */
  stormConnections: number;
  stormRate: number;
  quick: boolean;
  /** Starts every name the run creates in Redis and RabbitMQ (`bench:<runId>-…`). */
  runId: string;
  client: ClientKind;
  /** Entry point of the RelayBox gateway, relative to the workspace root (or absolute). */
  gatewayEntry: string;
  /** tracing scenario: also run this gateway entry (an earlier build) as the measured baseline row. */
  baselineGateway?: string;
  jsonPath?: string;
}

export const DEFAULT_GATEWAY_ENTRY = 'platform/gateway/src/main.ts';

export const USAGE = `usage: pnpm bench [options]
  --scenario chat|broadcast|hot|idle|tracing|resume|connect|all   (comma-separated list allowed; default all)
                    hot: 1 room x 200 subscribers, 4 publishers, 1,000 msg/s, 64-byte payloads
                    resume: SIGKILL one of two RelayBox gateways under a steady stream; ignores --servers
  --storm-clients <n>  resume storm clients (default 2000; 20 with --quick)
  --storm-rooms <n>    resume storm rooms the clients spread over (default 100; 4 with --quick)
  --storm-publish-rate <n>  resume storm messages/s over all rooms (default 200; 20 with --quick)
  --storm-catch-up-cap <s>  resume storm: every client caught up within this long after the kill,
                    or the run fails (default 30)
                    connect: N clients with JWTs opening at a fixed rate (RelayBox 1 and 2 nodes,
                    raw uWS upgrades as the floor); --servers picks among relaybox, relaybox2, uws
  --storm-connections <n>  connection storm clients (default 10000; 100 with --quick)
  --storm-rate <n>  connection storm: connections opened per second (default 2000; 200 with --quick)
                    tracing: the chat load on RelayBox with tracing off, then on, next to the
                    recorded baseline (docs/benchmarks.md); ignores --servers
  --servers relaybox,relaybox2,socketio,socketio2,uws   (default all)
  --duration <s>    measurement window per row (default 10; 1 with --quick)
  --warmup <s>      traffic before the window (default 3; 0.3 with --quick)
  --idle <n,n>      idle connection levels (default 5000,19000; 20,40 with --quick)
  --workers <n>     subscriber load-generator processes (default 2; 1 with --quick)
  --json <file>     also write every figure as JSON
  --client lean|ws  WebSocket client of the uWS and RelayBox connections (default lean)
  --gateway <file>  RelayBox gateway entry point (default ${DEFAULT_GATEWAY_ENTRY})
  --baseline-gateway <file>   tracing scenario: also measure this entry point (an earlier build)
                    as the baseline row, instead of only printing the recorded baseline
  --run-id <id>     start of every Redis key prefix and RabbitMQ exchange the run creates
                    (bench:<id>-…; default random)
  --quick           completion check, not a measurement: every scenario at a tiny size and
                    duration (~1-2 min), one server process per server reused across scenarios;
                    exits 1 unless every row completed with 0 lost and 0 duplicated`;

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T[] {
  if (value === undefined || value === 'all') return [...allowed];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new Error(`--${name}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

/** A run id goes into Redis keys and exchange names: a short run of safe characters. */
function runId(value: string | undefined): string {
  if (value === undefined) return randomBytes(3).toString('hex');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value))
    throw new Error('--run-id must be 1-64 characters of A-Z, a-z, 0-9, _ and -');
  return value;
}

/** Parses argv; returns null when --help was asked for. */
export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      servers: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      idle: { type: 'string' },
      workers: { type: 'string' },
      'storm-clients': { type: 'string' },
      'storm-rooms': { type: 'string' },
      'storm-publish-rate': { type: 'string' },
      'storm-catch-up-cap': { type: 'string' },
      'run-id': { type: 'string' },
      'storm-connections': { type: 'string' },
      'storm-rate': { type: 'string' },
      json: { type: 'string' },
      gateway: { type: 'string' },
      'baseline-gateway': { type: 'string' },
      client: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const quick = values.quick ?? false;
  const idleLevels = values.idle
    ? values.idle.split(',').map((s) => positive(s, 0, 'idle'))
    : quick
      ? [20, 40]
      : [5000, 19000];
  const options: BenchOptions = {
    scenarios: list(values.scenario, SCENARIOS, 'scenario'),
    servers:
      values.servers === undefined || values.servers === 'all'
        ? [...DEFAULT_SERVERS]
        : list(values.servers, SERVER_NAMES, 'servers'),
    warmupMs: positive(values.warmup, quick ? 0.3 : 3, 'warmup') * 1000,
    measureMs: positive(values.duration, quick ? 1 : 10, 'duration') * 1000,
    drainMs: quick ? 200 : 2000,
    idleLevels: idleLevels.map(Math.round).sort((a, b) => a - b),
    subscriberWorkers: Math.round(positive(values.workers, quick ? 1 : 2, 'workers')),
    stormClients: Math.round(positive(values['storm-clients'], quick ? 20 : 2000, 'storm-clients')),
    stormRooms: Math.round(positive(values['storm-rooms'], quick ? 4 : 100, 'storm-rooms')),
    stormPublishRate: positive(values['storm-publish-rate'], quick ? 20 : 200, 'storm-publish-rate'),
    stormCatchUpCapMs: positive(values['storm-catch-up-cap'], 30, 'storm-catch-up-cap') * 1000,
    stormConnections: Math.round(
      positive(values['storm-connections'], quick ? 100 : 10_000, 'storm-connections'),
    ),
    stormRate: positive(values['storm-rate'], quick ? 200 : 2000, 'storm-rate'),
    quick,
    runId: runId(values['run-id']),
    gatewayEntry: values.gateway ?? DEFAULT_GATEWAY_ENTRY,
    ...(values['baseline-gateway'] ? { baselineGateway: values['baseline-gateway'] } : {}),
    client: list(values.client ?? 'lean', ['lean', 'ws'] as const, 'client')[0]!,
  };
  if (values.json) options.jsonPath = values.json;
  return options;
}
