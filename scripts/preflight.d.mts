// Types of preflight.mjs (plain JavaScript: it runs before the workspace is installed).

export interface RunResult {
  status: number;
  output: string;
}

/** Everything the preflight asks of the machine; tests pass a simulated one. */
export interface Probe {
  isRoot: boolean;
  log(line: string): void;
  which(command: string): boolean;
  portOpen(port: number): Promise<boolean>;
  run(command: string, args: string[], options?: { timeoutMs?: number; cwd?: string }): RunResult;
  spawnDetached(command: string, args: string[], logFile: string): void;
  listDir(dir: string): string[];
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface Requirement {
  id: string;
  name: string;
  /** Ids of requirements that must be met first (reported as missing otherwise). */
  needs?: string[];
  check(probe: Probe): boolean | Promise<boolean>;
  /** Commands needed to check or start it; installed with `packages` when absent. */
  commands?: string[];
  packages?: string[];
  afterInstall?(probe: Probe): void | Promise<void>;
  start?(probe: Probe): void | Promise<void>;
  startNeedsRoot?: boolean;
  startTimeoutMs?: number;
  /** Why it still fails after a start, when more can be said than "not available". */
  diagnose?(probe: Probe): string | undefined | Promise<string | undefined>;
  /** The command a person runs to provide it. */
  fix: string;
}

export interface Missing {
  id: string;
  name: string;
  reason: string;
  fix: string;
}

export function systemProbe(options?: { path?: string; log?: (line: string) => void }): Probe;
export function whichIn(path: string, command: string): boolean;
export function preflight(requirements: Requirement[], probe: Probe): Promise<Missing[]>;
export function waitFor(check: () => unknown, timeoutMs: number, probe: Probe): Promise<boolean>;
export function formatMissing(missing: Missing[], options: { isRoot: boolean }): string;
