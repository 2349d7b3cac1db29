import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineName, ServiceStatus, StackEndpoints, StackStatus } from '@relaybox/orchestrator';

/**
 * `.relaybox/stack.json`: written by the `relaybox up` process that runs a stack in the foreground,
 * so `down`, `status`, `logs`, `keys` and `token` in other terminals can find it (pid to signal,
 * endpoints, keys, the last known state of every service). Removed when that stack stops.
 */
export interface StackState {
  pid: number;
  engine: EngineName;
  startedAt: number;
  state: StackStatus['state'];
  endpoints: StackEndpoints;
  devApiKey: string;
  adminToken: string;
  services: ServiceStatus[];
  /** One `<service>.log` file per service. */
  logDir: string;
}

export const stackStatePath = (dataDir: string) => join(dataDir, 'stack.json');
export const logDirOf = (dataDir: string) => join(dataDir, 'logs');

export function readStackState(dataDir: string): StackState | undefined {
  try {
    const state = JSON.parse(readFileSync(stackStatePath(dataDir), 'utf8')) as StackState;
    return typeof state.pid === 'number' && typeof state.engine === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Written atomically (rename), readable by the owner only: it holds the keys. */
export function writeStackState(dataDir: string, state: StackState): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = stackStatePath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function removeStackState(dataDir: string): void {
  rmSync(stackStatePath(dataDir), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack of a live `relaybox up`; a state file left by a process that died is removed. */
export function runningStack(dataDir: string): StackState | undefined {
  const state = readStackState(dataDir);
  if (!state) return undefined;
  if (isAlive(state.pid)) return state;
  removeStackState(dataDir);
  return undefined;
}
