import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time of a process (all its threads) in microseconds, read from /proc/<pid>/stat. */
export interface CpuSample {
  userMicros: number;
  systemMicros: number;
}

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK`: the unit of utime/stime in /proc/<pid>/stat (normally 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime and stime (fields 14 and 15 of /proc/<pid>/stat); null when the process is gone. */
export function readCpu(pid: number): CpuSample | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = 1e6 / clockTicksPerSecond();
  return { userMicros: Number(rest[11]) * tick, systemMicros: Number(rest[12]) * tick };
}

/**
 * Busy CPU time of the whole machine (all cores: everything but idle and iowait) in µs, from the
 * first line of /proc/stat. Minus the server's and the load generator's own time, it shows what
 * everything else on the machine (Redis, RabbitMQ, any other workload) took during a window.
 */
export function readMachineBusyMicros(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0);
    return (busy * 1e6) / clockTicksPerSecond();
  } catch {
    return null;
  }
}

export function sumCpu(samples: (CpuSample | null)[]): CpuSample | null {
  let userMicros = 0;
  let systemMicros = 0;
  for (const s of samples) {
    if (!s) return null;
    userMicros += s.userMicros;
    systemMicros += s.systemMicros;
  }
  return { userMicros, systemMicros };
}

export function cpuDelta(start: CpuSample | null, end: CpuSample | null): CpuSample | null {
  if (!start || !end) return null;
  return {
    userMicros: end.userMicros - start.userMicros,
    systemMicros: end.systemMicros - start.systemMicros,
  };
}

/** A `VmXxx:  1234 kB` line of /proc/<pid>/status, in bytes; null when the process is gone. */
function readStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Peak resident set size (VmHWM), summed over the pids; null if any is gone. */
export function readPeakRss(pids: number[]): number | null {
  return sumOrNull(pids.map((pid) => readStatusBytes(pid, 'VmHWM')));
}

/** Current resident set size (VmRSS), summed over the pids; null if any is gone. */
export function readRss(pids: number[]): number | null {
  return sumOrNull(pids.map((pid) => readStatusBytes(pid, 'VmRSS')));
}

function sumOrNull(values: (number | null)[]): number | null {
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v;
  }
  return total;
}
