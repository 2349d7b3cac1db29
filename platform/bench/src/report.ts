import type { IdleRow } from './scenarios/idle-scenario.js';
import type { TrafficRow } from './scenarios/traffic-result.js';
import type { ServerName } from './server-specs.js';
import { formatTable, mb, num } from './table.js';

/** One (scenario, server) cell of the run: figures, or the phase that failed. */
export interface RowOutcome<T> {
  server: ServerName;
  label: string;
  result?: T;
  error?: string;
}

const TRAFFIC_HEADERS = [
  'server',
  'subs',
  'msg/s offered',
  'msg/s sent',
  'dlv/s offered',
  'dlv/s sustained',
  'lost',
  'p50 ms',
  'p99 ms',
  'p99.9 ms',
  'user µs/dlv',
  'sys µs/dlv',
  'total µs/dlv',
  'redis µs/dlv',
  'rabbit µs/dlv',
  'platform µs/dlv',
  'srv CPU%',
  'peak RSS MB',
  'gen CPU%',
  'other CPU%',
];

/** `-` for a service the row does not use, `n/a` for one that could not be read. */
const serviceCell = (value: number | null | undefined): string => (value === undefined ? '-' : num(value, 2));

export function formatTrafficTable(rows: RowOutcome<TrafficRow>[]): string {
  const notes: string[] = [];
  const cells = rows.map((row) => {
    const r = row.result;
    if (!r) return [row.label, `ERROR ${row.error ?? 'unknown'}`];
    if (r.problems > 0) notes.push(`${row.label}: ${r.problems} problem(s): ${r.problemSamples.join('; ')}`);
    if (r.publishRejections > 0) notes.push(`${row.label}: ${r.publishRejections} publish(es) rejected`);
    if (r.outOfOrder > 0)
      notes.push(`${row.label}: ${r.outOfOrder} delivery(ies) duplicated or out of order`);
    if (r.skipped > 0)
      notes.push(`${row.label}: publisher fell behind, ${r.skipped} scheduled message(s) skipped`);
    return [
      row.label,
      num(r.subscribers),
      num(r.offeredMsgRate),
      num(r.sentMsgRate),
      num(r.offeredDeliveryRate),
      num(r.sustainedDeliveryRate),
      `${num(r.lost)}${r.expectedDeliveries > 0 ? ` (${num((100 * r.lost) / r.expectedDeliveries, 2)}%)` : ''}`,
      num(r.p50Ms, 2),
      num(r.p99Ms, 2),
      num(r.p999Ms, 2),
      num(r.userMicrosPerDelivery, 2),
      num(r.systemMicrosPerDelivery, 2),
      num(r.totalMicrosPerDelivery, 2),
      serviceCell(r.redisMicrosPerDelivery),
      serviceCell(r.rabbitmqMicrosPerDelivery),
      num(r.platformMicrosPerDelivery, 2),
      num(r.serverCpuPercent, 0),
      mb(r.peakRssBytes),
      num(r.generatorCpuPercent, 0),
      num(r.otherCpuPercent, 0),
    ];
  });
  const table = formatTableWithErrors(TRAFFIC_HEADERS, cells);
  return notes.length > 0 ? `${table}\n${notes.map((n) => `  note: ${n}`).join('\n')}` : table;
}

/**
 * One line per row that uses a shared service: what of its platform CPU per delivery is Redis
 * and RabbitMQ, e.g. `RelayBox (2 nodes, AMQP): platform CPU includes Redis 1.20 µs + RabbitMQ
 * 3.40 µs per delivery`. Empty when no row uses one.
 */
export function formatServiceFootnote(rows: RowOutcome<TrafficRow>[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    const r = row.result;
    if (!r) continue;
    const parts: string[] = [];
    if (r.redisMicrosPerDelivery !== undefined) parts.push(`Redis ${num(r.redisMicrosPerDelivery, 2)} µs`);
    if (r.rabbitmqMicrosPerDelivery !== undefined)
      parts.push(`RabbitMQ ${num(r.rabbitmqMicrosPerDelivery, 2)} µs`);
    if (parts.length > 0)
      lines.push(`  ${row.label}: platform CPU includes ${parts.join(' + ')} per delivery`);
  }
  return lines.join('\n');
}

export function formatIdleTable(rows: RowOutcome<IdleRow>[], levels: number[]): string {
  const headers = ['server', 'base RSS MB'];
  for (const level of levels) {
    headers.push(`open @${num(level)}`, `connect s`, `RSS MB`, `KB/conn @${num(level)}`);
    if (level !== levels[0]) headers.push('marginal KB/conn');
  }
  headers.push('peak RSS MB');
  const cells = rows.map((row) => {
    const r = row.result;
    if (!r) return [row.label, `ERROR ${row.error ?? 'unknown'}`];
    const out = [row.label, mb(r.baselineRssBytes)];
    for (const level of levels) {
      const l = r.levels.find((x) => x.target === level);
      out.push(
        l ? num(l.connected) : 'n/a',
        l ? num(l.connectSeconds, 1) : 'n/a',
        l ? mb(l.rssBytes) : 'n/a',
        l?.bytesPerConnection == null ? 'n/a' : num(l.bytesPerConnection / 1024, 2),
      );
      if (level !== levels[0]) {
        out.push(l?.marginalBytesPerConnection == null ? 'n/a' : num(l.marginalBytesPerConnection / 1024, 2));
      }
    }
    out.push(mb(r.peakRssBytes));
    return out;
  });
  return formatTableWithErrors(headers, cells);
}

/** Error rows have two cells; they are printed after the table body so they do not widen the columns. */
function formatTableWithErrors(headers: string[], cells: string[][]): string {
  const ok = cells.filter((c) => c.length > 2);
  const failed = cells.filter((c) => c.length <= 2);
  const table = formatTable(headers, ok);
  const width = Math.max(headers[0]!.length, ...ok.map((c) => c[0]!.length));
  return [table, ...failed.map((c) => `${c[0]!.padEnd(width)}  ${c[1]}`)].join('\n');
}
