import type { RowOutcome } from '../report.js';
import { formatTable, num } from '../table.js';
import type { ConnectionStormRow } from './connection-storm.js';
import { type ResumeStormRow, resumeStormFailures } from './resume-storm.js';

const HEADERS = [
  'server',
  'clients',
  'rooms',
  'msg/s',
  'published',
  'lost',
  'duplicated',
  'resumed',
  'new session',
  'discontinuities',
  'caught up',
  'p50 ms',
  'p99 ms',
  'max ms',
  'reconnect p50/max ms',
  'steady CPU%',
  'recovery CPU%',
  'recovery ms B/Redis/Rabbit',
  'µs/client',
  'peak % B/Redis/Rabbit',
  'clients CPU%',
];

const ms = (micros: number | null): string => num(micros === null ? null : micros / 1000, 0);

/** The resume storm's table and its legend; a failed row prints its error, a row that failed a guarantee why. */
export function formatResumeStorm(rows: RowOutcome<ResumeStormRow>[], capMs: number): string {
  const ok = rows.filter((r) => r.result);
  const cells = ok.map(({ label, result }) => {
    const r = result!;
    const rec = r.recoveryCpu;
    return [
      label,
      num(r.clients),
      num(r.rooms),
      num(r.rate),
      `${num(r.published)}${r.publishFailures > 0 ? ` (${num(r.publishFailures)} failed)` : ''}`,
      num(r.lost),
      num(r.duplicated),
      num(r.resumed),
      num(r.newSession),
      num(r.discontinuities),
      `${num(r.caughtUp)} of ${num(r.clients)}`,
      num(r.catchUpP50Ms, 0),
      num(r.catchUpP99Ms, 0),
      num(r.catchUpMaxMs, 0),
      `${num(r.reconnectP50Ms, 0)}/${num(r.reconnectMaxMs, 0)}`,
      num(r.steadyCpu.meanPercent, 0),
      num(rec.meanPercent, 0),
      `${ms(rec.micros.gatewayB)}/${ms(rec.micros.redis)}/${ms(rec.micros.rabbitmq)}`,
      num(rec.micros.platform === null ? null : rec.micros.platform / r.clients, 0),
      `${num(rec.peakPercent.gatewayB, 0)}/${num(rec.peakPercent.redis, 0)}/${num(rec.peakPercent.rabbitmq, 0)}`,
      num(rec.clientsMeanPercent, 0),
    ];
  });
  const failed = rows.filter((r) => !r.result).map((r) => `${r.label}  ERROR ${r.error ?? 'unknown'}`);
  const notes = ok.flatMap((r) => {
    const out = resumeStormFailures(r.result!, capMs).map((f) => `  FAILED: ${r.label}: ${f}`);
    if (r.result!.publishFailures > 0)
      out.push(
        `  note: ${r.label}: publish failures (no seq, not counted as lost): ${r.result!.publishFailureSamples.join('; ')}`,
      );
    return out;
  });
  const legend = [
    'caught up: back on a connection and holding every message of its room published before that connection',
    'was acknowledged (p50/p99/max: ms from the kill; reconnect: from the kill to that acknowledgement).',
    "CPU = both gateways + Redis + RabbitMQ (the machine's services, counted whole): steady = mean % of one core",
    'while streaming before the kill; recovery = from the kill until the last client caught up (the stream goes',
    'on meanwhile); µs/client = recovery CPU / clients; peak = the busiest 250 ms sample of the recovery;',
    "clients CPU% = the SDK-client processes' mean over the recovery (the load generator, not the platform).",
  ];

  return [formatTable(HEADERS, cells), ...failed, ...notes, ...legend].join('\n');
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
