import { cpus, loadavg } from 'node:os';
import { cpuDelta, readCpu, readMachineBusyMicros } from './proc-stats.js';

/**
 * What a measurement window cost the machine: CPU of each named process (% of one core, user +
 * system, from /proc) and of the whole machine (% of all cores), and the 1-minute load average at
 * its end. On a shared machine it tells the gateway's own work from everything else's.
 */
export function startWindowCpu(pids: Record<string, number | undefined>): () => string {
  const startedAt = performance.now();
  const start = Object.entries(pids).map(([name, pid]) => [name, pid, readCpu(pid ?? -1)] as const);
  const machineStart = readMachineBusyMicros();
  return () => {
    const elapsedMicros = (performance.now() - startedAt) * 1000;
    const percent = (micros: number) => `${((100 * micros) / elapsedMicros).toFixed(0)}%`;
    const parts = start.map(([name, pid, before]) => {
      const used = cpuDelta(before, readCpu(pid ?? -1));
      return `${name} ${used ? percent(used.userMicros + used.systemMicros) : '?'}`;
    });
    const machineEnd = readMachineBusyMicros();
    const machine =
      machineStart === null || machineEnd === null
        ? '?'
        : `${((100 * (machineEnd - machineStart)) / (elapsedMicros * cpus().length)).toFixed(0)}% of ${cpus().length} cores`;
    return `cpu (% of one core): ${parts.join(', ')}; machine busy ${machine}; load average ${(loadavg()[0] as number).toFixed(1)}`;
  };
}
