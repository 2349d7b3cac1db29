import type { RowOutcome } from '../report.js';
import { formatTable, num } from '../table.js';
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
