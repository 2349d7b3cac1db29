import type { RowOutcome } from './report.js';
import type { IdleRow } from './scenarios/idle-scenario.js';
import type { TrafficRow } from './scenarios/traffic-result.js';
import type { ServerName } from './server-specs.js';
import type { ConnectionStormRow } from './storm/connection-storm.js';
import { num } from './table.js';

/** One target of the issue, computed from figures of the same run. */
export interface TargetCheck {
  scenario: string;
  description: string;
  /** e.g. `3.10 / 12.40 µs = 0.25×`, or why it could not be computed. */
  detail: string;
  status: 'PASS' | 'MISS' | 'N/A';
}

type Rows<T> = RowOutcome<T>[];

function pick<T>(rows: Rows<T>, server: ServerName): { result?: T; why: string } {
  const row = rows.find((r) => r.server === server);
  if (!row) return { why: `${server} not run` };
  if (!row.result) return { why: `${server} failed` };
  return { result: row.result, why: '' };
}

/** `ours / theirs ≤ limit` on one metric of two servers. */
function ratioCheck(
  rows: Rows<TrafficRow>,
  scenario: string,
  description: string,
  ours: ServerName,
  theirs: ServerName,
  metric: (r: TrafficRow) => number | null,
  limit: number,
  unit: string,
): TargetCheck {
  const a = pick(rows, ours);
  const b = pick(rows, theirs);
  const va = a.result ? metric(a.result) : null;
  const vb = b.result ? metric(b.result) : null;
  if (va === null || vb === null || !Number.isFinite(va) || !Number.isFinite(vb) || vb <= 0) {
    const why = [a.why, b.why].filter(Boolean).join(', ') || 'figure missing';
    return { scenario, description, detail: `n/a (${why})`, status: 'N/A' };
  }
  const ratio = va / vb;
  return {
    scenario,
    description,
    detail: `${num(va, 2)} / ${num(vb, 2)} ${unit} = ${num(ratio, 2)}× (limit ${num(limit, 2)}×)${unit === 'µs' ? regimeCaution(a.result!, b.result!) : ''}`,
    status: ratio <= limit ? 'PASS' : 'MISS',
  };
}

/**
 * On 2 shared cores a row runs either with the subscribers keeping up (one read and one wakeup
 * per delivery) or lagging (deliveries batched: less CPU per delivery, far higher latency). CPU
 * figures of rows in different regimes are not comparable; p50 apart by more than 3× shows it.
 * Applied to the CPU checks only (unit µs): for latency checks the difference is the finding.
 */
function regimeCaution(a: TrafficRow, b: TrafficRow): string {
  const spread = Math.max(a.p50Ms, b.p50Ms) / Math.min(a.p50Ms, b.p50Ms);
  return spread > 3
    ? ` [caution: p50 ${num(a.p50Ms, 1)} vs ${num(b.p50Ms, 1)} ms, rows ran in different load regimes]`
    : '';
}

/** Server + the Redis / RabbitMQ CPU the row uses (equal to the server's own for uWS and Socket.IO 1 node). */
const platform = (r: TrafficRow): number | null => r.platformMicrosPerDelivery;
const user = (r: TrafficRow): number | null => r.userMicrosPerDelivery;
const p99 = (r: TrafficRow): number | null => r.p99Ms;

export function chatTargets(rows: Rows<TrafficRow>): TargetCheck[] {
  const s = '(a) chat';
  return [
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery ≤ 1.2× raw uWS (1 node)',
      'relaybox',
      'uws',
      platform,
      1.2,
      'µs',
    ),
    ratioCheck(rows, s, 'RelayBox p99 ≤ 2.5× raw uWS (1 node)', 'relaybox', 'uws', p99, 2.5, 'ms'),
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery ≤ 1.5× raw uWS (2 nodes)',
      'relaybox2',
      'uws',
      platform,
      1.5,
      'µs',
    ),
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery (2 nodes) below Socket.IO (1 node)',
      'relaybox2',
      'socketio',
      platform,
      1,
      'µs',
    ),
    ratioCheck(rows, s, 'RelayBox p99 ≤ 4× raw uWS (2 nodes)', 'relaybox2', 'uws', p99, 4, 'ms'),
    ratioCheck(
      rows,
      s,
      'RelayBox user CPU/delivery ≤ 1/2 Socket.IO',
      'relaybox',
      'socketio',
      user,
      0.5,
      'µs',
    ),
  ];
}

/** The server sustains the offered rate: ≥ 99% of offered deliveries/s received, nothing lost. */
function sustainsCheck(
  rows: Rows<TrafficRow>,
  scenario: string,
  server: ServerName,
  who: string,
): TargetCheck {
  const description = `${who} sustains the offered rate (≥ 99% of offered deliveries/s, nothing lost)`;
  const { result: r, why } = pick(rows, server);
  if (!r) return { scenario, description, detail: `n/a (${why})`, status: 'N/A' };
  return {
    scenario,
    description,
    detail: `${num(r.sustainedDeliveryRate)} of ${num(r.offeredDeliveryRate)} dlv/s, ${num(r.lost)} lost`,
    status: r.sustainedDeliveryRate >= 0.99 * r.offeredDeliveryRate && r.lost <= 0 ? 'PASS' : 'MISS',
  };
}

export function broadcastTargets(rows: Rows<TrafficRow>): TargetCheck[] {
  const s = '(b) broadcast';
  return [
    sustainsCheck(rows, s, 'relaybox', 'RelayBox'),
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery ≤ 1.2× raw uWS (1 node)',
      'relaybox',
      'uws',
      platform,
      1.2,
      'µs',
    ),
    ratioCheck(rows, s, 'RelayBox p99 ≤ 2× raw uWS (1 node)', 'relaybox', 'uws', p99, 2, 'ms'),
    sustainsCheck(rows, s, 'relaybox2', 'RelayBox (2 nodes)'),
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery ≤ 1.2× raw uWS (2 nodes)',
      'relaybox2',
      'uws',
      platform,
      1.2,
      'µs',
    ),
    ratioCheck(rows, s, 'RelayBox p99 ≤ 2× raw uWS (2 nodes)', 'relaybox2', 'uws', p99, 2, 'ms'),
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery ≤ 1/2 Socket.IO',
      'relaybox',
      'socketio',
      platform,
      0.5,
      'µs',
    ),
  ];
}

export function hotRoomTargets(rows: Rows<TrafficRow>): TargetCheck[] {
  const s = '(e) hot room';
  return [
    sustainsCheck(rows, s, 'relaybox', 'RelayBox'),
    ratioCheck(
      rows,
      s,
      'RelayBox platform CPU/delivery ≤ 1.2× raw uWS',
      'relaybox',
      'uws',
      platform,
      1.2,
      'µs',
    ),
  ];
}

/**
 * Issue 15: at most 3 KB RSS per idle connection at 19,000 connections; a --quick run checks its
 * largest level instead.
 */
export function idleTargets(rows: Rows<IdleRow>, level: number): TargetCheck[] {
  const s = '(c) idle';
  const limitBytes = 3 * 1024;
  const rb = pick(rows, 'relaybox');
  const at = rb.result?.levels.find((l) => l.target === level);
  const description = `RelayBox RSS per idle connection ≤ 3 KB at ${num(level)} connections`;
  if (!at || at.bytesPerConnection === null) {
    return [{ scenario: s, description, detail: `n/a (${rb.why || 'level not reached'})`, status: 'N/A' }];
  }
  return [
    {
      scenario: s,
      description,
      detail:
        `${num(at.bytesPerConnection / 1024, 2)} KB per connection (${num(at.connected)} open` +
        (at.marginalBytesPerConnection === null
          ? ')'
          : `; marginal ${num(at.marginalBytesPerConnection / 1024, 2)} KB since the previous level)`),
      status: at.bytesPerConnection <= limitBytes ? 'PASS' : 'MISS',
    },
  ];
}

export function formatTargets(checks: TargetCheck[]): string {
  return checks.map((c) => `  ${c.status.padEnd(4)}  ${c.description}: ${c.detail}`).join('\n');
}

/** Connection storm: every client accepted, and p99 to `connected` under 250 ms, per RelayBox row. */
export function connectionStormTargets(rows: Rows<ConnectionStormRow>, clients: number): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const server of ['relaybox', 'relaybox2'] as const) {
    const { result, why } = pick(rows, server);
    const label = server === 'relaybox' ? '1 node' : '2 nodes';
    if (!result) {
      checks.push({
        scenario: 'connect',
        description: `${label}: all accepted, p99 < 250 ms`,
        detail: `n/a (${why})`,
        status: 'N/A',
      });
      continue;
    }
    checks.push({
      scenario: 'connect',
      description: `${label}: ${num(clients)} of ${num(clients)} accepted`,
      detail: `${num(result.connected)} accepted, ${num(result.failed)} failed`,
      status: result.connected === clients ? 'PASS' : 'MISS',
    });
    checks.push({
      scenario: 'connect',
      description: `${label}: p99 to connected under 250 ms`,
      detail: `${num(result.p99Ms, 1)} ms`,
      status: result.p99Ms < 250 ? 'PASS' : 'MISS',
    });
  }
  return checks;
}
