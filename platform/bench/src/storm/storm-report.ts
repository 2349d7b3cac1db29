import type { RowOutcome } from '../report.js';
import { formatTable, num } from '../table.js';
import type { ConnectionStormRow } from './connection-storm.js';
import type { ResumeStormRow } from './resume-storm.js';

const HEADERS = [
  'server',
  'clients',
  'published',
  'final seq',
  'lost',
  'duplicated',
  'silent',
  'discontinuities',
  'caught up',
  'last caught up ms',
  'B CPU% peak',
  'Redis CPU% peak',
];

/** The resume storm's table; a failed row prints its error under the table. */
export function formatResumeStorm(rows: RowOutcome<ResumeStormRow>[]): string {
  const ok = rows.filter((r) => r.result);
  const cells = ok.map(({ label, result: r }) => [
    label,
    num(r!.clients),
    `${num(r!.published)}${r!.publishFailures > 0 ? ` (${num(r!.publishFailures)} failed)` : ''}`,
    num(r!.finalSeq),
    num(r!.lost),
    num(r!.duplicated),
    num(r!.silent),
    num(r!.discontinuities),
    `${num(r!.caughtUp)} of ${num(r!.clients)}`,
    num(r!.lastCaughtUpMs, 0),
    num(r!.gatewayBCpuPeakPercent, 0),
    num(r!.redisCpuPeakPercent, 0),
  ]);
  const failed = rows.filter((r) => !r.result).map((r) => `${r.label}  ERROR ${r.error ?? 'unknown'}`);
  const notes = ok
    .filter((r) => r.result!.publishFailures > 0)
    .map(
      (r) =>
        `  note: ${r.label}: publish failures (no seq, not counted as lost): ${r.result!.publishFailureSamples.join('; ')}`,
    );
  return [formatTable(HEADERS, cells), ...failed, ...notes].join('\n');
}

const CONNECT_HEADERS = [
  'server',
  'clients',
  'accepted',
  'failed',
  'took s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'server µs/conn',
  'platform µs/conn',
];

/** The connection storm's table; failures (first three distinct errors) print under it. */
export function formatConnectionStorm(rows: RowOutcome<ConnectionStormRow>[]): string {
  const ok = rows.filter((r) => r.result);
  const cells = ok.map(({ label, result: r }) => [
    label,
    num(r!.clients),
    num(r!.connected),
    num(r!.failed),
    num(r!.elapsedMs / 1000, 1),
    num(r!.p50Ms, 1),
    num(r!.p99Ms, 1),
    num(r!.maxMs, 0),
    num(r!.serverMicrosPerConnection, 0),
    num(r!.platformMicrosPerConnection, 0),
  ]);
  const failed = rows.filter((r) => !r.result).map((r) => `${r.label}  ERROR ${r.error ?? 'unknown'}`);
  const notes = ok
    .filter((r) => r.result!.failed > 0)
    .map((r) => `  note: ${r.label}: refused or timed out: ${r.result!.errors.join('; ')}`);
  const legend =
    "latency: from the socket's start to ready (RelayBox: the `connected` frame after the JWT check; uWS: the open). " +
    'µs/conn: utime+stime over the storm per accepted connection; platform adds the Redis the row uses.';
  return [formatTable(CONNECT_HEADERS, cells), ...failed, ...notes, legend].join('\n');
}
