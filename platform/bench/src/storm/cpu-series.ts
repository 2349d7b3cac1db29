/**
 * The resume storm's CPU record: cumulative utime+stime of each platform process group (the
 * two gateways, Redis, RabbitMQ), sampled every 250 ms, from which it reads the peaks and
 * the CPU spent between two instants (gateway A counts until its kill). Redis and RabbitMQ are this machine's system services,
 * found and counted as in the traffic rows (service-cpu.ts).
 */
import { nowMicros } from '../payload.js';
import { type CpuSample, readCpu, sumCpu } from '../proc-stats.js';
import { findServicePids, readServiceCpu } from '../service-cpu.js';

export const CPU_PARTS = ['gatewayA', 'gatewayB', 'redis', 'rabbitmq'] as const;
export type CpuPart = (typeof CPU_PARTS)[number];

export interface CpuPoint {
  /** µs of CLOCK_MONOTONIC. */
  at: number;
  /** Cumulative CPU µs per part; null when unreadable. */
  micros: Record<CpuPart, number | null>;
  /** The load generator's SDK-client processes (not the platform's): are the clients the bottleneck? */
  clients?: number | null;
}

export interface CpuFigures {
  /** CPU µs spent from `from` to `to` per part, and their sum (null if any part is unreadable). */
  micros: Record<CpuPart | 'platform', number | null>;
  /** Highest use over one sample interval inside the span, % of one core. */
  peakPercent: Record<CpuPart | 'platform', number | null>;
  /** Mean use over the span, % of one core. */
  meanPercent: number | null;
  /** Mean use of the SDK-client processes over the span, % of one core. */
  clientsMeanPercent: number | null;
}

const total = (s: CpuSample | null | undefined): number | null => (s ? s.userMicros + s.systemMicros : null);

/**
 * Starts sampling both gateways and the services; `stop()` ends it and returns the points. Once
 * gateway A is killed its figure stays at its last reading (a dead process spends nothing).
 */
export function sampleCpu(
  pids: { a: number; b: number; clients: number[] },
  intervalMs = 250,
): { stop: () => CpuPoint[] } {
  const services = findServicePids(['redis', 'rabbitmq']);
  const points: CpuPoint[] = [];
  let lastA: number | null = null;
  const read = (): void => {
    const svc = readServiceCpu(services);
    lastA = total(readCpu(pids.a)) ?? lastA;
    points.push({
      at: nowMicros(),
      micros: {
        gatewayA: lastA,
        gatewayB: total(readCpu(pids.b)),
        redis: total(svc.redis),
        rabbitmq: total(svc.rabbitmq),
      },
      clients: total(sumCpu(pids.clients.map(readCpu))),
    });
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return points;
    },
  };
}

const sum = (values: (number | null)[]): number | null =>
  values.some((v) => v === null) ? null : (values as number[]).reduce((a, b) => a + b, 0);

/** CPU from the last point at or before `from` to the first at or after `to` (the span is rounded out). */
export function cpuBetween(points: CpuPoint[], from: number, to: number): CpuFigures {
  const start = Math.max(
    0,
    points.findLastIndex((p) => p.at <= from),
  );
  let end = points.findIndex((p) => p.at >= to);
  if (end < 0) end = points.length - 1;
  const span = points.slice(start, end + 1);
  const micros = {} as CpuFigures['micros'];
  const peakPercent = {} as CpuFigures['peakPercent'];
  const platformSteps: (number | null)[] = [];
  for (const part of CPU_PARTS) {
    const first = span[0]?.micros[part] ?? null;
    const last = span.at(-1)?.micros[part] ?? null;
    micros[part] = first === null || last === null || span.length < 2 ? null : last - first;
    let peak: number | null = null;
    for (let i = 1; i < span.length; i++) {
      const a = span[i - 1]!;
      const b = span[i]!;
      const used =
        a.micros[part] === null || b.micros[part] === null ? null : b.micros[part]! - a.micros[part]!;
      const percent = used === null ? null : (100 * used) / (b.at - a.at);
      if (percent !== null) peak = Math.max(peak ?? 0, percent);
      platformSteps[i] =
        part === CPU_PARTS[0]
          ? percent
          : platformSteps[i] === null || percent === null
            ? null
            : platformSteps[i]! + percent;
    }
    peakPercent[part] = peak;
  }
  micros.platform = sum(CPU_PARTS.map((p) => micros[p]));
  const steps = platformSteps.slice(1);
  peakPercent.platform =
    steps.length === 0 || steps.some((s) => s === null) ? null : Math.max(...(steps as number[]));
  const elapsed = span.length < 2 ? 0 : span.at(-1)!.at - span[0]!.at;
  const meanPercent = micros.platform === null || elapsed <= 0 ? null : (100 * micros.platform) / elapsed;
  const c0 = span[0]?.clients;
  const c1 = span.at(-1)?.clients;
  const clientsMeanPercent = c0 == null || c1 == null || elapsed <= 0 ? null : (100 * (c1 - c0)) / elapsed;
  return { micros, peakPercent, meanPercent, clientsMeanPercent };
}
