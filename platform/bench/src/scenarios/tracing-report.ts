import type { RowOutcome } from '../report.js';
import { formatTable, num } from '../table.js';
import type { TrafficRow } from './traffic-result.js';

/**
 * The recorded RelayBox (1 node) chat row before tracing existed (docs/benchmarks.md, 2026-11-28):
 * the "previous baseline" the tracing rows are compared with. Figures of another run on a shared
 * machine: compare with care, the off/on rows of the same run are the fair comparison.
 */
export const PREVIOUS_CHAT_BASELINE = {
  label: 'RelayBox (1 node), before tracing (recorded)',
  userMicrosPerDelivery: 3.08,
  totalMicrosPerDelivery: 10.96,
  p50Ms: 1.35,
  p99Ms: 15.81,
  serverCpuPercent: 55,
};

/**
 * Publish→deliver cost side by side: tracing off, tracing on, and the previous baseline: the
 * baseline build's row of this run when there is one (rows[2]), else the recorded figures.
 */
export function formatTracingComparison(rows: RowOutcome<TrafficRow>[]): string {
  const off = rows[0]?.result;
  const on = rows[1]?.result;
  const measured = rows[2]?.result;
  const b: TrafficRow | typeof PREVIOUS_CHAT_BASELINE = measured ?? PREVIOUS_CHAT_BASELINE;
  const ratio = (a: number | null | undefined, base: number | null | undefined) =>
    a == null || base == null || base === 0 ? 'n/a' : `${num(a / base, 2)}×`;
  const line = (
    name: string,
    pick: (r: TrafficRow | typeof b) => number | null | undefined,
    digits: number,
  ): string[] => [
    name,
    off ? num(pick(off), digits) : 'n/a',
    on ? num(pick(on), digits) : 'n/a',
    num(pick(b), digits),
    ratio(on ? pick(on) : null, off ? pick(off) : null),
    ratio(off ? pick(off) : null, pick(b)),
  ];
  return formatTable(
    [
      'publish→deliver',
      'tracing off',
      'tracing on',
      measured ? 'baseline build (this run)' : 'previous baseline (recorded)',
      'on/off',
      'off/baseline',
    ],
    [
      line('server user µs/delivery', (r) => r.userMicrosPerDelivery, 2),
      line('server total µs/delivery', (r) => r.totalMicrosPerDelivery, 2),
      line('latency p50 ms', (r) => r.p50Ms, 2),
      line('latency p99 ms', (r) => r.p99Ms, 2),
      line('server CPU %', (r) => r.serverCpuPercent, 0),
    ],
  );
}
