/**
 * `pnpm bench:profile <file.cpuprofile> [--window <from>-<to>] [--top N]`: what a V8 CPU profile
 * (`node --cpu-prof`, e.g. `pnpm bench:flood --cpu-prof <dir>`) says about one window of it, the
 * window given in the profile's clock (CLOCK_MONOTONIC µs, as `bench:flood` prints its windows):
 * the share of time the thread ran JS, the functions that took it (self and total time), and the
 * longest event-loop turns (runs of consecutive non-idle samples; a turn whose wall time is far
 * above its samples means the process was waiting for a CPU, not running).
 *
 * Time is counted in samples times the sampling interval, not in wall time between samples: on a
 * loaded machine the gap before a sample includes the time the thread was preempted, which would
 * be charged to whatever function it resumed in.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Turn {
  /** µs from the window start. */
  at: number;
  wallMicros: number;
  samples: number;
}

export interface ProfileSummary {
  wallMicros: number;
  /** The sampling interval (the median gap between samples), µs. */
  intervalMicros: number;
  /** Busy samples × interval, and the same per function (self, and total with callees). */
  busyMicros: number;
  self: [string, number][];
  total: [string, number][];
  turns: Turn[];
}

const IDLE = new Set(['(idle)', '(program)']);

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-3).join('/');
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
}

/** Summarizes the samples taken in `[from, to]` (profile clock, µs). */
export function summarizeProfile(
  profile: CpuProfile,
  from = 0,
  to = Number.POSITIVE_INFINITY,
): ProfileSummary {
  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const interval = deltas[deltas.length >> 1] ?? 0;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const turns: Turn[] = [];
  let turn: Turn | undefined;
  let wallMicros = 0;
  let busyMicros = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from || t > to) continue;
    wallMicros += dt;
    const node = byId.get(profile.samples[i] as number) as ProfileNode;
    if (IDLE.has(node.callFrame.functionName)) {
      if (turn) turns.push(turn);
      turn = undefined;
      continue;
    }
    busyMicros += interval;
    if (turn) {
      turn.wallMicros += dt;
      turn.samples++;
    } else turn = { at: t - dt - from, wallMicros: dt, samples: 1 };
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + interval);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const caller = frameName(byId.get(id) as ProfileNode);
      if (seen.has(caller) || caller.startsWith('(root)')) continue;
      seen.add(caller);
      total.set(caller, (total.get(caller) ?? 0) + interval);
    }
  }
  if (turn) turns.push(turn);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  turns.sort((a, b) => b.samples - a.samples);
  return {
    wallMicros,
    intervalMicros: interval,
    busyMicros,
    self: sorted(self),
    total: sorted(total),
    turns,
  };
}

export function formatSummary(s: ProfileSummary, top: number): string {
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const share = (us: number) => `${((100 * us) / Math.max(1, s.busyMicros)).toFixed(1).padStart(5)}%`;
  return [
    `window ${(s.wallMicros / 1e6).toFixed(2)} s; JS busy ${(s.busyMicros / 1000).toFixed(0)} ms (${((100 * s.busyMicros) / Math.max(1, s.wallMicros)).toFixed(1)}% of the window)`,
    'self time (ms, % of busy):',
    ...s.self.slice(0, top).map(([name, us]) => `${ms(us)} ${share(us)}  ${name}`),
    'total time (ms, % of busy):',
    ...s.total.slice(0, top).map(([name, us]) => `${ms(us)} ${share(us)}  ${name}`),
    `longest turns (consecutive busy samples, ${Math.round(s.intervalMicros)} µs each; wall time; at s):`,
    ...s.turns
      .slice(0, 8)
      .map(
        (x) =>
          `${String(x.samples).padStart(7)} samples ${(x.wallMicros / 1000).toFixed(1).padStart(7)} ms wall at ${(x.at / 1e6).toFixed(2)} s`,
      ),
  ].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args[0];
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [--window from-to] [--top N]');
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const [from, to] = (at('--window') ?? '0-Infinity').split('-').map(Number) as [number, number];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${formatSummary(summarizeProfile(profile, from, to), Number(at('--top') ?? 25))}\n`);
}

if (process.argv[1]?.endsWith('profile-summary.ts')) main();
