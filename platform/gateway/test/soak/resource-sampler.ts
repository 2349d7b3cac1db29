import { readdirSync, readFileSync } from 'node:fs';

export interface Sample {
  /** Seconds since sampling started. */
  t: number;
  rssMb: number;
  fds: number;
}

/** RSS (VmRSS) and open file descriptors of a process, from /proc (Linux). */
export function sampleProcess(pid: number, t: number): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return { t, rssMb: kb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Least-squares slope of `y` over `t`, per minute (t in seconds). */
export function slopePerMinute(points: Array<{ t: number; y: number }>): number {
  const n = points.length;
  if (n < 2) throw new Error('a slope needs at least two samples');
  const tMean = points.reduce((a, p) => a + p.t, 0) / n;
  const yMean = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - tMean) * (p.y - yMean);
    den += (p.t - tMean) ** 2;
  }
  return (num / den) * 60;
}

/**
 * The lowest value of each `windowSec` window, at the window's middle: RSS between two garbage
 * collections is a sawtooth, and its troughs show growth without most of the noise.
 */
export function lowerEnvelope(points: Array<{ t: number; y: number }>, windowSec: number) {
  const windows = new Map<number, number>();
  for (const p of points) {
    const w = Math.floor(p.t / windowSec);
    windows.set(w, Math.min(windows.get(w) ?? Number.POSITIVE_INFINITY, p.y));
  }
  return [...windows].map(([w, y]) => ({ t: (w + 0.5) * windowSec, y }));
}
