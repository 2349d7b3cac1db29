/**
 * `pnpm bench`: for every (scenario, server) start fresh server process(es), drive them from
 * separate load-generator processes, read the servers' CPU and memory from /proc, and print one
 * table per scenario plus the issue's targets as ratios of figures from this same run.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { killAllChildren } from './child-registry.js';
import { type BenchOptions, parseOptions, type ScenarioName, USAGE } from './cli-options.js';
import type { Cluster } from './cluster.js';
import { ClusterPool } from './cluster-pool.js';
import { completionProblems, type RunResults } from './completion-check.js';
import { closeLoadWorkerPool, reuseLoadWorkers } from './load-pool.js';
import { clockTicksPerSecond } from './proc-stats.js';
import { formatIdleTable, formatServiceFootnote, formatTrafficTable, type RowOutcome } from './report.js';
import {
  resumeStormConfig,
  rowGapMs,
  type TrafficName,
  trafficConfig,
  trafficTitle,
} from './scenario-plan.js';
import { type IdleRow, runIdle } from './scenarios/idle-scenario.js';
import { formatTracingComparison } from './scenarios/tracing-report.js';
import type { TrafficRow } from './scenarios/traffic-result.js';
import { runTraffic, type TrafficConfig } from './scenarios/traffic-scenario.js';
import { SERVER_SPECS, type ServerName } from './server-specs.js';
import { type ConnectionStormRow, runConnectionStorm } from './storm/connection-storm.js';
import { resumeStormFailures, runResumeStorm } from './storm/resume-storm.js';
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

const TARGETS = { chat: chatTargets, broadcast: broadcastTargets, hot: hotRoomTargets };

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

interface RowPlan {
  gatewayEntry?: string;
  label?: string;
  /** The row needs its own cluster even in a quick run (the resume storm kills a node). */
  fresh?: boolean;
}

async function runRow<T>(
  options: BenchOptions,
  pool: ClusterPool,
  scenario: ScenarioName,
  server: ServerName,
  body: (cluster: Cluster) => Promise<T>,
  row: RowPlan = {},
): Promise<RowOutcome<T>> {
  const spec = SERVER_SPECS[server];
  const outcome: RowOutcome<T> = { server, label: row.label ?? spec.label };
  const started = Date.now();
  log(`[${scenario}] ${spec.label}: starting`);
  let cluster: Cluster | undefined;
  try {
    cluster = await pool
      .acquire(spec, row.gatewayEntry ?? options.gatewayEntry, row.fresh)
      .catch((error: Error) => {
        throw new Error(`start: ${error.message}`);
      });
    outcome.result = await body(cluster);
  } catch (error) {
    outcome.error = (error instanceof Error ? error.message : String(error))
      .replace(/\s+/g, ' ')
      .slice(0, 400);
  } finally {
    if (cluster) await pool.release(cluster);
  }
  log(
    `[${scenario}] ${spec.label}: ${outcome.error ? `FAILED ${outcome.error}` : 'done'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  await sleep(rowGapMs(options));
  return outcome;
}

function header(title: string): string {
  return `\n=== ${title} ${'='.repeat(Math.max(0, 100 - title.length))}`;
}

/** Runs every scenario; resolves to the exit code (1 when a row failed or broke a guarantee). */
async function main(options: BenchOptions): Promise<number> {
  const began = Date.now();
  const results: RunResults = {};
  const checks: TargetCheck[] = [];
  const pool = new ClusterPool(options.runId, options.quick);
  if (options.quick) reuseLoadWorkers();
  try {
    await runScenarios(options, pool, results, checks);
  } finally {
    await closeLoadWorkerPool();
    await pool.close();
  }
  // Rows that failed, and the resume storm's guarantees, fail every run; a quick run also fails
  // on anything lost or duplicated in any row (a measured run reports that as a figure).
  const problems = completionProblems(results, options.stormCatchUpCapMs).filter(
    (p) => options.quick || p.startsWith('resume ') || p.includes(': ERROR '),
  );
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
  console.log(
    problems.length === 0
      ? `completion: every row completed${options.quick ? ' with 0 lost and 0 duplicated' : ''}`
      : `FAILED (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
  if (options.jsonPath) {
    const json = {
      startedAt: new Date(began).toISOString(),
      options,
      results,
      targets: checks,
      problems,
      created: pool.created,
    };
    writeFileSync(options.jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote ${options.jsonPath}`);
  }
  return problems.length === 0 ? 0 : 1;
}

async function runScenarios(
  options: BenchOptions,
  pool: ClusterPool,
  results: RunResults,
  checks: TargetCheck[],
): Promise<void> {
  console.log(
    `RelayBox bench: ${cpus().length} cores, CLK_TCK ${clockTicksPerSecond()}, warm-up ${options.warmupMs / 1000} s, ` +
      `window ${options.measureMs / 1000} s, drain ${options.drainMs / 1000} s${options.quick ? ' (quick)' : ''}`,
  );
  if (options.quick)
    console.log(
      'quick: a completion check at tiny sizes with server processes reused across scenarios; not performance figures',
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
      const config = resumeStormConfig(options);
      const row = await runRow(options, pool, scenario, 'relaybox2', (c) => runResumeStorm(c, config), {
        fresh: true,
      });
      results[scenario] = [row];
      console.log(
        header(
          `(f) resume storm: ${num(config.clients)} clients over ${num(config.rooms)} rooms on gateway A, ${num(config.rate)} msg/s from B, SIGKILL A`,
        ),
      );
      console.log(formatResumeStorm([row], config.catchUpCapMs));
      if (row.result && resumeStormFailures(row.result, config.catchUpCapMs).length > 0)
        log('[resume] FAILED: a guarantee was broken or clients were not caught up (see the table)');
      continue;
    }
    if (scenario === 'connect') {
      const rows: RowOutcome<ConnectionStormRow>[] = [];
      const servers = options.servers.filter((s) => CONNECT_SERVERS.includes(s));
      for (const server of servers.length > 0 ? servers : CONNECT_SERVERS) {
        rows.push(
          await runRow(options, pool, scenario, server, (c) =>
            runConnectionStorm(c, {
              clients: options.stormConnections,
              ratePerSecond: options.stormRate,
              workers: options.quick ? 1 : Math.max(2, options.subscriberWorkers),
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
          await runRow(options, pool, scenario, server, (c) =>
            runIdle(c, {
              levels: options.idleLevels,
              settleMs: options.quick ? 200 : 3000,
              baselineDelayMs: options.quick ? 0 : 12_000,
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
        header(
          `(c) idle connections: ${options.idleLevels.join(' then ')} (cumulative), ${options.quick ? 0.2 : 3} s settle`,
        ),
      );
      console.log(formatIdleTable(rows, options.idleLevels));
      console.log('targets:');
      console.log(formatTargets(found));
      continue;
    }
    const config: TrafficConfig = trafficConfig(scenario === 'tracing' ? 'chat' : scenario, options);
    const rows: RowOutcome<TrafficRow>[] = [];
    const servers = scenario === 'tracing' ? TRACING_SERVERS : options.servers;
    for (const server of servers)
      rows.push(await runRow(options, pool, scenario, server, (c) => runTraffic(c, config)));
    if (scenario === 'tracing') {
      if (options.baselineGateway) {
        const row = { gatewayEntry: options.baselineGateway, label: 'RelayBox (1 node), baseline build' };
        rows.push(await runRow(options, pool, scenario, 'relaybox', (c) => runTraffic(c, config), row));
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
    console.log(header(trafficTitle(scenario as TrafficName, options.quick)));
    console.log(formatTrafficTable(rows));
    const footnote = formatServiceFootnote(rows);
    if (footnote) console.log(footnote);
    console.log('targets:');
    console.log(formatTargets(found));
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
  (code) => {
    killAllChildren();
    process.exit(code);
  },
  (error: unknown) => {
    console.error('bench failed:', error);
    killAllChildren();
    process.exit(1);
  },
);
