/**
 * `pnpm bench`: for every (scenario, server) start fresh server process(es), drive them from
 * separate load-generator processes, read the servers' CPU and memory from /proc, and print one
 * table per scenario plus the issue's targets as ratios of figures from this same run.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { killAllChildren } from './child-registry.js';
import { type BenchOptions, parseOptions, type ScenarioName, USAGE } from './cli-options.js';
import { startCluster } from './cluster.js';
import { clockTicksPerSecond } from './proc-stats.js';
import { formatIdleTable, formatServiceFootnote, formatTrafficTable, type RowOutcome } from './report.js';
import { type IdleRow, runIdle } from './scenarios/idle-scenario.js';
import { formatTracingComparison } from './scenarios/tracing-report.js';
import type { TrafficRow } from './scenarios/traffic-result.js';
import { runTraffic, type TrafficConfig } from './scenarios/traffic-scenario.js';
import { SERVER_SPECS, type ServerName } from './server-specs.js';
import { type ConnectionStormRow, runConnectionStorm } from './storm/connection-storm.js';
import { runResumeStorm } from './storm/resume-storm.js';
import { formatConnectionStorm, formatResumeStorm } from './storm/storm-report.js';

/** The connection storm's rows: RelayBox on one and two nodes, raw uWS upgrades as the floor. */
const CONNECT_SERVERS: ServerName[] = ['relaybox', 'relaybox2', 'uws'];

/** The tracing scenario's rows: the chat load with tracing off, then on. */
const TRACING_SERVERS: ServerName[] = ['relaybox', 'relayboxtraced'];

import { num } from './table.js';
import {
  broadcastTargets,
  chatTargets,
  connectionStormTargets,
  formatTargets,
  hotRoomTargets,
  idleTargets,
  type TargetCheck,
} from './targets.js';
import { sleep } from './timeout.js';

const TRAFFIC: Record<
  'chat' | 'broadcast' | 'hot',
  Omit<TrafficConfig, 'warmupMs' | 'measureMs' | 'drainMs' | 'subscriberWorkers' | 'client'>
> = {
  chat: { scenario: 'chat', rooms: 10, subscribersPerRoom: 50, rate: 1000 },
  broadcast: {
    scenario: 'broadcast',
    rooms: 1,
    subscribersPerRoom: 2000,
    rate: 50,
  },
  hot: {
    scenario: 'hot',
    rooms: 1,
    subscribersPerRoom: 200,
    publishersPerRoom: 4,
    rate: 1000,
    payloadBytes: 64,
  },
};

const TITLES: Record<'chat' | 'broadcast' | 'hot', string> = {
  chat: '(a) chat: 10 rooms x 50 subscribers, 1,000 msg/s, 128-byte payloads',
  broadcast: '(b) broadcast: 1 room x 2,000 subscribers, 50 msg/s, 128-byte payloads',
  hot: '(e) hot room: 1 room x 200 subscribers, 4 publishers, 1,000 msg/s, 64-byte payloads',
};
const TARGETS = { chat: chatTargets, broadcast: broadcastTargets, hot: hotRoomTargets };

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

async function runRow<T>(
  options: BenchOptions,
  scenario: ScenarioName,
  server: ServerName,
  body: (cluster: Awaited<ReturnType<typeof startCluster>>) => Promise<T>,
  row: { gatewayEntry?: string; label?: string } = {},
): Promise<RowOutcome<T>> {
  const spec = SERVER_SPECS[server];
  const outcome: RowOutcome<T> = { server, label: row.label ?? spec.label };
  const started = Date.now();
  log(`[${scenario}] ${spec.label}: starting`);
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  try {
    cluster = await startCluster(spec, row.gatewayEntry ?? options.gatewayEntry).catch((error: Error) => {
      throw new Error(`start: ${error.message}`);
    });
    outcome.result = await body(cluster);
  } catch (error) {
    outcome.error = (error instanceof Error ? error.message : String(error))
      .replace(/\s+/g, ' ')
      .slice(0, 400);
  } finally {
    await cluster?.stop();
  }
  log(
    `[${scenario}] ${spec.label}: ${outcome.error ? `FAILED ${outcome.error}` : 'done'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  await sleep(1000);
  return outcome;
}

function header(title: string): string {
  return `\n=== ${title} ${'='.repeat(Math.max(0, 100 - title.length))}`;
}

async function main(options: BenchOptions): Promise<void> {
  const began = Date.now();
  const results: Record<string, unknown> = {};
  const checks: TargetCheck[] = [];
  console.log(
    `RelayBox bench: ${cpus().length} cores, CLK_TCK ${clockTicksPerSecond()}, warm-up ${options.warmupMs / 1000} s, ` +
      `window ${options.measureMs / 1000} s, drain ${options.drainMs / 1000} s${options.quick ? ' (quick)' : ''}`,
  );
  const [load1, load5, load15] = loadavg();
  console.log(
    `load average at start: ${num(load1, 2)} ${num(load5, 2)} ${num(load15, 2)}; command: pnpm bench ${process.argv.slice(2).join(' ')}`,
  );
  if ((load1 ?? 0) > 0.5) {
    console.log(
      `warning: load average ${num(load1, 2)} before the run: other work on these cores will disturb the figures (see other CPU%)`,
    );
  }
  for (const scenario of options.scenarios) {
    if (scenario === 'resume') {
      const row = await runRow(options, scenario, 'relaybox2', (c) =>
        runResumeStorm(c, {
          clients: options.stormClients,
          rate: 200,
          workers: options.subscriberWorkers,
          beforeKillMs: options.quick ? 3000 : 5000,
          afterKillMs: options.quick ? 5000 : 10_000,
          catchUpLimitMs: 30_000,
        }),
      );
      results[scenario] = [row];
      console.log(
        header(`(f) resume storm: ${num(options.stormClients)} clients on gateway A, 200 msg/s, SIGKILL A`),
      );
      console.log(formatResumeStorm([row]));
      continue;
    }
    if (scenario === 'connect') {
      const rows: RowOutcome<ConnectionStormRow>[] = [];
      const servers = options.servers.filter((s) => CONNECT_SERVERS.includes(s));
      for (const server of servers.length > 0 ? servers : CONNECT_SERVERS) {
        rows.push(
          await runRow(options, scenario, server, (c) =>
            runConnectionStorm(c, {
              clients: options.stormConnections,
              ratePerSecond: options.stormRate,
              workers: Math.max(2, options.subscriberWorkers),
              client: options.client,
              timeoutMs: 10_000,
            }),
          ),
        );
      }
      const found = connectionStormTargets(rows, options.stormConnections);
      checks.push(...found);
      results[scenario] = rows;
      console.log(
        header(
          `(g) connection storm: ${num(options.stormConnections)} clients opening at ${num(options.stormRate)}/s (RelayBox: one JWT each)`,
        ),
      );
      console.log(formatConnectionStorm(rows));
      console.log('targets:');
      console.log(formatTargets(found));
      continue;
    }
    if (scenario === 'idle') {
      const rows: RowOutcome<IdleRow>[] = [];
      for (const server of options.servers) {
        rows.push(
          await runRow(options, scenario, server, (c) =>
            runIdle(c, {
              levels: options.idleLevels,
              settleMs: 3000,
              baselineDelayMs: options.quick ? 2000 : 12_000,
              client: options.client,
            }),
          ),
        );
      }
      const level = options.idleLevels.at(-1) ?? 0;
      const found = idleTargets(rows, level);
      checks.push(...found);
      results[scenario] = rows;
      console.log(
        header(`(c) idle connections: ${options.idleLevels.join(' then ')} (cumulative), 3 s settle`),
      );
      console.log(formatIdleTable(rows, options.idleLevels));
      console.log('targets:');
      console.log(formatTargets(found));
      continue;
    }
    const config: TrafficConfig = {
      ...TRAFFIC[scenario === 'tracing' ? 'chat' : scenario],
      warmupMs: options.warmupMs,
      measureMs: options.measureMs,
      drainMs: options.drainMs,
      subscriberWorkers: options.subscriberWorkers,
      client: options.client,
    };
    const rows: RowOutcome<TrafficRow>[] = [];
    const servers = scenario === 'tracing' ? TRACING_SERVERS : options.servers;
    for (const server of servers)
      rows.push(await runRow(options, scenario, server, (c) => runTraffic(c, config)));
    if (scenario === 'tracing') {
      if (options.baselineGateway) {
        const row = { gatewayEntry: options.baselineGateway, label: 'RelayBox (1 node), baseline build' };
        rows.push(await runRow(options, scenario, 'relaybox', (c) => runTraffic(c, config), row));
      }
      results[scenario] = rows;
      console.log(header('(d) tracing overhead: the chat load, RelayBox 1 node, tracing off vs on'));
      console.log(formatTrafficTable(rows));
      console.log(formatTracingComparison(rows));
      continue;
    }
    const found = TARGETS[scenario](rows);
    checks.push(...found);
    results[scenario] = rows;
    console.log(header(TITLES[scenario]));
    console.log(formatTrafficTable(rows));
    const footnote = formatServiceFootnote(rows);
    if (footnote) console.log(footnote);
    console.log('targets:');
    console.log(formatTargets(found));
  }
  console.log(header('notes'));
  console.log(
    [
      'total µs/dlv = utime+stime of the server process(es) (all threads; 2-node rows sum both nodes), read from',
      '/proc/<pid>/stat at the window edges, divided by the deliveries received inside the window. redis / rabbit',
      'µs/dlv = the same for the Redis (redis-server) and RabbitMQ (beam.smp, erl_child_setup, epmd, inet_gethost)',
      'processes found by a /proc scan, in the rows that use them ("-" otherwise); platform µs/dlv = server +',
      'those services, the figure the CPU targets compare. The services are shared system services: any other',
      'client using them in the window is counted too. The load generator shares the cores: see gen CPU%; other',
      'CPU% is the rest of the machine (including Redis and RabbitMQ) during the window. 1 KB = 1,024 bytes.',
      `total ${((Date.now() - began) / 1000).toFixed(0)} s; load average at end: ${loadavg()
        .map((l) => num(l, 2))
        .join(' ')}`,
    ].join('\n'),
  );
  if (options.jsonPath) {
    const json = { startedAt: new Date(began).toISOString(), options, results, targets: checks };
    writeFileSync(options.jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote ${options.jsonPath}`);
  }
}

let options: BenchOptions | null;
try {
  options = parseOptions(process.argv.slice(2).filter((a) => a !== '--'));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (!options) {
  console.log(USAGE);
  process.exit(0);
}
main(options).then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (error: unknown) => {
    console.error('bench failed:', error);
    killAllChildren();
    process.exit(1);
  },
);
