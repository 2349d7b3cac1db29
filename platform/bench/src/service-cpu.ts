/**
 * CPU of the platform's shared services (Redis, RabbitMQ): they run as this machine's system
 * services, so the bench finds their processes by scanning /proc and reads their utime+stime
 * over the same window as the server's. A row is charged only for the services it uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type CpuSample, readCpu, sumCpu } from './proc-stats.js';

export type ServiceName = 'redis' | 'rabbitmq';
export const SERVICE_NAMES: readonly ServiceName[] = ['redis', 'rabbitmq'];

/** One process as /proc shows it: `comm` (/proc/<pid>/comm) and argv[0] (/proc/<pid>/cmdline). */
export interface ProcessEntry {
  pid: number;
  comm: string;
  argv0: string;
}

/**
 * Which service a process belongs to, or null. Redis: `redis-server`. RabbitMQ: the Erlang VM
 * (`beam.smp`, and `erl_child_setup`, its port-program parent) and `epmd`, the Erlang port
 * mapper RabbitMQ needs; `inet_gethost` helpers are Erlang's too but idle (counted all the same).
 * Only a process whose argv[0] lies under an Erlang install (`/erlang/` or `/rabbitmq`) counts as
 * RabbitMQ, so another Erlang program started elsewhere (none is expected here) would not.
 */
export function classifyProcess(entry: ProcessEntry): ServiceName | null {
  const base = entry.argv0.split('/').pop() ?? '';
  if (entry.comm === 'redis-server' || base === 'redis-server') return 'redis';
  const erlang = /\/(erlang|rabbitmq)[^/]*\//.test(entry.argv0) || entry.argv0 === 'erl_child_setup';
  if (['beam.smp', 'epmd', 'erl_child_setup', 'inet_gethost'].includes(entry.comm) && erlang) {
    return 'rabbitmq';
  }
  return null;
}

/** Groups process entries by service; a service with no process maps to an empty list. */
export function servicePids(entries: ProcessEntry[]): Record<ServiceName, number[]> {
  const out: Record<ServiceName, number[]> = { redis: [], rabbitmq: [] };
  for (const entry of entries) {
    const service = classifyProcess(entry);
    if (service) out[service].push(entry.pid);
  }
  return out;
}

/** Every process of the machine (ones that vanish while being read are left out). */
export function scanProcesses(procRoot = '/proc'): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`${procRoot}/${name}/comm`, 'utf8').trim();
      const argv0 = readFileSync(`${procRoot}/${name}/cmdline`, 'utf8').split('\0', 1)[0] ?? '';
      entries.push({ pid: Number(name), comm, argv0 });
    } catch {
      // The process exited between readdir and read.
    }
  }
  return entries;
}

/** The pids of the named services found on this machine now. */
export function findServicePids(services: readonly ServiceName[]): Partial<Record<ServiceName, number[]>> {
  if (services.length === 0) return {};
  const all = servicePids(scanProcesses());
  const out: Partial<Record<ServiceName, number[]>> = {};
  for (const s of services) out[s] = all[s];
  return out;
}

/**
 * CPU of each service, summed over its processes; null for a service with no process found or
 * whose processes changed (one exited) — a row then says `n/a` rather than understating.
 */
export function readServiceCpu(
  pids: Partial<Record<ServiceName, number[]>>,
): Partial<Record<ServiceName, CpuSample | null>> {
  const out: Partial<Record<ServiceName, CpuSample | null>> = {};
  for (const [service, list] of Object.entries(pids) as [ServiceName, number[]][]) {
    out[service] = list.length === 0 ? null : sumCpu(list.map(readCpu));
  }
  return out;
}
