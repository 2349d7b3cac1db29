import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Runs the built main bundle (desktop/dist/main/main.js) under Node with the Electron stand-in
 * (electron-stand-in.mjs): every JSON line it prints is an event (the stand-in's records and the
 * app's own pino-shaped log lines); commands go to its stdin.
 */
export const DESKTOP = fileURLToPath(new URL('../../../', import.meta.url));
const HOOKS = fileURLToPath(new URL('./electron-stand-in-hooks.mjs', import.meta.url));

export type BundleEvent = Record<string, unknown> & { type?: string; msg?: string };

export interface RunningBundle {
  child: ChildProcess;
  events: BundleEvent[];
  exited: Promise<number | null>;
  /** The first event after index `after` that matches. */
  next(match: (e: BundleEvent) => boolean, after?: number, timeoutMs?: number): Promise<BundleEvent>;
  send(command: object): void;
}

export function startMainBundle(env: Record<string, string | undefined>): RunningBundle {
  const child = spawn(process.execPath, ['--import', HOOKS, 'dist/main/main.js'], {
    cwd: DESKTOP,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events: BundleEvent[] = [];
  const waiters = new Set<() => void>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as BundleEvent);
    } catch {
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
    exited,
    next,
    send: (command) => child.stdin!.write(`${JSON.stringify(command)}\n`),
  };
}

export const ofType = (type: string) => (e: BundleEvent) => e.type === type;
