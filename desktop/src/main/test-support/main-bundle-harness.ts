import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Runs the main process under Node with the Electron stand-in (electron-dist/electron-stand-in.mjs):
 * the checkout's built bundle (desktop/dist/main/main.js, `startMainBundle`) or a packaged app's
 * executable (`startPackagedApp`). Every JSON line it prints is an event (the stand-in's records and
 * the app's own pino-shaped log lines), every other line is kept in `output`; commands go to its stdin.
 */
export const DESKTOP = fileURLToPath(new URL('../../../', import.meta.url));
/** The stand-in Electron distribution: the `electron` launcher and the stand-in module it loads. */
export const STAND_IN_DIST = fileURLToPath(new URL('./electron-dist/', import.meta.url));
const HOOKS = `${STAND_IN_DIST}electron-stand-in-hooks.mjs`;

export type BundleEvent = Record<string, unknown> & { type?: string; msg?: string };

export interface RunningBundle {
  child: ChildProcess;
  events: BundleEvent[];
  /** The lines that are not events (the app's `[stack] ...` lines). */
  output: string[];
  exited: Promise<number | null>;
  /** The first event after index `after` that matches. */
  next(match: (e: BundleEvent) => boolean, after?: number, timeoutMs?: number): Promise<BundleEvent>;
  send(command: object): void;
}

type Env = Record<string, string | undefined>;

/** The checkout's built main bundle, started with this Node.js from desktop/. */
export function startMainBundle(env: Env): RunningBundle {
  return watch(
    spawn(process.execPath, ['--import', HOOKS, 'dist/main/main.js'], {
      cwd: DESKTOP,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
}

/**
 * A packaged app, started as a user would: its executable (the stand-in launcher electron-builder
 * renamed), from `cwd`, with this Node.js as the system Node.js. Variables set to undefined in `env`
 * are removed from the environment.
 */
export function startPackagedApp(executable: string, cwd: string, env: Env): RunningBundle {
  const merged: Env = { ...process.env, RB_STAND_IN_NODE: process.execPath, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return watch(spawn(executable, [], { cwd, env: merged, stdio: ['pipe', 'pipe', 'inherit'] }));
}

function watch(child: ChildProcess): RunningBundle {
  const events: BundleEvent[] = [];
  const output: string[] = [];
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as BundleEvent);
    } catch {
      output.push(line);
      return;
    }
    for (const waiter of waiters) waiter();
  });
  const next: RunningBundle['next'] = (match, after = 0, timeoutMs = 20_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching event; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      const check = () => {
        const found = events.slice(after).find(match);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    events,
    output,
    exited,
    next,
    send: (command) => child.stdin!.write(`${JSON.stringify(command)}\n`),
  };
}

export const ofType = (type: string) => (e: BundleEvent) => e.type === type;
