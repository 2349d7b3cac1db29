import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DaemonFile, type FoundDaemon, findDaemon, type StackStatus } from '@relaybox/orchestrator';
import type { EngineChoice } from '../shared/ipc.js';
import { redactSecrets } from './redact-secrets.js';

export interface StackProcessOptions {
  /** The system Node.js (checked by `checkNodeRuntime` first). */
  node: string;
  /** The `relaybox` CLI entry: `platform/cli/bin/relaybox.mjs` in a checkout, a bundled CLI when packaged. */
  cli: string;
  engine: EngineChoice;
  /** The stack's one origin port (0 = any free port). */
  port: number;
  /** The child's working directory: its daemon announces itself in `<dir>/.relaybox/daemon.json`. */
  dir: string;
  /** Extra environment for the child (on top of this process's). */
  env?: Record<string, string | undefined>;
  /** How long the stack may take to come up (docker builds images): default 5 minutes. */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL: default 20 s. */
  stopGraceMs?: number;
  /** Aborting while the stack starts stops the child and rejects. */
  signal?: AbortSignal;
  /** Every line the child prints (stdout and stderr), secrets redacted, e.g. for the app's own log. */
  onLine?: (line: string) => void;
}

export interface StackExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `stop()` asked for it. */
  expected: boolean;
  lastLines: string[];
}

/** The stack did not start (or its process failed); carries the child's last output lines. */
export class StackProcessError extends Error {
  override readonly name = 'StackProcessError';
  constructor(
    message: string,
    readonly lastLines: string[],
  ) {
    super(message);
  }
}

/** A running stack whose daemon answered: a `relaybox up` child process, or the docker stack of docker-stack.ts. */
export interface RunningStack {
  /** The process running the stack: the child's, or the app's own for the docker engine. */
  pid: number;
  daemon: DaemonFile;
  connection: FoundDaemon['connection'];
  /** The stack's status, from its daemon. */
  status(): Promise<StackStatus>;
  /** Called once when the child exits (at once if it already has). */
  onExit(listener: (exit: StackExit) => void): void;
  /** SIGTERM (the CLI stops its daemon and stack), SIGKILL of its process group after the grace. Idempotent. */
  stop(): Promise<StackExit>;
  lastLines(): string[];
}

const KEEP_LINES = 40;
const POLL_MS = 150;
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the CLI's terminal colour codes
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * Spawns `node <cli> up --engine <engine> --port <port>` in `dir` and resolves once the daemon it
 * announces in `<dir>/.relaybox/daemon.json` (written by that very process) answers. Rejects with
 * a StackProcessError (and no process left behind) if the child exits, the wait times out or
 * `signal` aborts. A live daemon left in `dir` by an earlier app run that died is stopped first.
 */
export async function launchStack(options: StackProcessOptions): Promise<RunningStack> {
  await stopOrphan(options.dir, options.stopGraceMs ?? 20_000);
  if (options.signal?.aborted) throw new StackProcessError('starting the stack was cancelled', []);
  const child = spawn(
    options.node,
    [options.cli, 'up', '--engine', options.engine, '--port', String(options.port)],
    {
      cwd: options.dir,
      env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group (POSIX), so a SIGKILL reaches the engine's children too.
      detached: process.platform !== 'win32',
      windowsHide: true,
    },
  );
  const handle = new ChildHandle(child, options);
  try {
    const found = await handle.waitForDaemon(options.readyTimeoutMs ?? 300_000, options.signal);
    return handle.running(found);
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

class ChildHandle {
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(exit: StackExit) => void>();
  private exit: StackExit | undefined;
  private stopping = false;
  private stopped: Promise<StackExit> | undefined;
  readonly exited: Promise<StackExit>;

  constructor(
    private readonly child: ChildProcess,
    private readonly options: StackProcessOptions,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.record(line));
    }
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exit) return;
        this.exit = { code, signal, expected: this.stopping, lastLines: [...this.lines] };
        for (const listener of this.listeners) listener(this.exit);
        this.listeners.clear();
        resolve(this.exit);
      };
      // 'exit' can come before the last output is read: wait for the pipes to close ('close'),
      // but not for ever (a process the engine started may still hold them).
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.once('exit', (code, signal) => {
        const drained = sleep(1000, undefined, { ref: false });
        void Promise.race([closed, drained]).then(() => done(code, signal));
      });
      // Spawning failed (e.g. the node path vanished): no 'exit' follows.
      child.once('error', (error) => {
        this.record(`could not run ${this.options.node}: ${error.message}`);
        done(null, null);
      });
    });
  }

  private record(raw: string): void {
    // Secrets never reach the kept lines nor the app's log (the failure page shows these too).
    const line = redactSecrets(raw.replace(ANSI, '').trimEnd());
    if (!line) return;
    this.lines.push(line);
    if (this.lines.length > KEEP_LINES) this.lines.shift();
    this.options.onLine?.(line);
  }

  async waitForDaemon(timeoutMs: number, signal?: AbortSignal): Promise<FoundDaemon> {
    const deadline = Date.now() + timeoutMs;
    while (!this.exit) {
      if (signal?.aborted) throw new StackProcessError('starting the stack was cancelled', [...this.lines]);
      const found = await findDaemon(join(this.options.dir, '.relaybox')).catch(() => undefined);
      // Only the daemon of this child counts (the CLI runs in the spawned process itself).
      if (found && found.daemon.pid === this.child.pid) return found;
      if (Date.now() > deadline) {
        throw new StackProcessError(`the stack did not start within ${Math.round(timeoutMs / 1000)} s`, [
          ...this.lines,
        ]);
      }
      await Promise.race([sleep(POLL_MS), this.exited]);
    }
    const how = this.exit.signal ? `signal ${this.exit.signal}` : `code ${this.exit.code}`;
    throw new StackProcessError(`the stack process exited (${how}) before its daemon started`, [
      ...this.exit.lastLines,
    ]);
  }

  stop(): Promise<StackExit> {
    this.stopped ??= this.terminate();
    return this.stopped;
  }

  private async terminate(): Promise<StackExit> {
    if (!this.exit) {
      this.stopping = true;
      this.signal('SIGTERM', false);
      const grace = this.options.stopGraceMs ?? 20_000;
      const timer = sleep(grace, undefined, { ref: false }).then(() => 'timeout' as const);
      if ((await Promise.race([this.exited, timer])) === 'timeout') this.signal('SIGKILL', true);
    }
    const exit = await this.exited;
    // Whatever the engine started and left behind (a crash, a SIGKILL) goes with the group.
    this.signal('SIGKILL', true);
    return exit;
  }

  private signal(name: NodeJS.Signals, group: boolean): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (group && process.platform !== 'win32') process.kill(-pid, name);
      else if (!this.exit) this.child.kill(name);
    } catch {
      // Already gone.
    }
  }

  running(found: FoundDaemon): RunningStack {
    const { daemon } = found;
    return {
      pid: this.child.pid ?? daemon.pid,
      daemon,
      connection: found.connection,
      status: () => fetchStatus(daemon),
      onExit: (listener) => {
        if (this.exit) {
          const exit = this.exit;
          queueMicrotask(() => listener(exit));
        } else this.listeners.add(listener);
      },
      stop: () => this.stop(),
      lastLines: () => [...this.lines],
    };
  }
}

async function fetchStatus(daemon: DaemonFile): Promise<StackStatus> {
  const res = await fetch(`${daemon.url}/api/stack`, {
    headers: { authorization: `Bearer ${daemon.secret}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the stack's daemon answered ${res.status}`);
  return (await res.json()) as StackStatus;
}

/** Stops the `relaybox up` of an earlier app run that is still alive (its daemon answered with its secret). */
async function stopOrphan(dir: string, graceMs: number): Promise<void> {
  const found = await findDaemon(join(dir, '.relaybox')).catch(() => undefined);
  if (!found) return;
  const { pid } = found.daemon;
  const kill = (signal: NodeJS.Signals | 0) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (kill(0) && Date.now() < deadline) await sleep(POLL_MS);
  kill('SIGKILL');
}
