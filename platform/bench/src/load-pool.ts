import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from './child-registry.js';
import type { WorkerCommand } from './load/load-worker.js';
import { repoRoot } from './paths.js';
import type { StormCommand } from './storm/storm-worker.js';
import { withTimeout } from './timeout.js';

const WORKER_PATH = fileURLToPath(new URL('./load/load-worker.ts', import.meta.url));
/** The resume storm's SDK-client process (same IPC shape). */
export const STORM_WORKER_PATH = fileURLToPath(new URL('./storm/storm-worker.ts', import.meta.url));

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One load-generator child process and a request/reply channel to it, every request with a timeout. */
export class LoadWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitReason: string | undefined;
  private readonly stderrTail: string[] = [];
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    let onReady: () => void = () => {};
    let onDead: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      onDead = reject;
    });
    child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      if (message.id === 0) return onReady();
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`${this.name}: ${message.error}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail.push(...chunk.toString().split('\n').filter(Boolean));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 5));
    });
    child.once('exit', (code, signal) => {
      this.exitReason = `${this.name} exited (${signal ?? code}) ${this.stderrTail.join(' | ')}`.trim();
      for (const pending of this.pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(new Error(this.exitReason));
      }
      this.pending.clear();
      onDead(new Error(this.exitReason));
    });
  }

  get path(): string {
    return this.child.spawnargs.at(-1) ?? '';
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request<T>(command: WorkerCommand | StormCommand, timeoutMs: number): Promise<T> {
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no reply to "${command.cmd}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ id, ...command });
    });
  }

  /**
   * Done with the worker: pooled (see `reuseLoadWorkers`), it drops its connections and state and
   * waits for the next row; otherwise it closes its sockets and exits (killed if not within 3 s).
   */
  async stop(): Promise<void> {
    if (this.exitReason) return;
    if (pool) {
      try {
        await this.request({ cmd: 'reset' }, 10_000);
        pool.idle.push(this);
        return;
      } catch {
        // A worker that cannot reset is not reused: it is killed below like an unpooled one.
      }
    }
    return this.exit();
  }

  /** Closes its sockets and exits; killed if it has not within 3 s. */
  async exit(): Promise<void> {
    if (this.exitReason) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.request({ cmd: 'stop' }, 3000).catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * `--quick`: worker processes are kept between rows (reset instead of exiting), since starting
 * one under tsx costs more CPU than a tiny row's whole load. Off by default: a measured row
 * starts from fresh processes.
 */
let pool: { idle: LoadWorker[] } | undefined;

export function reuseLoadWorkers(): void {
  pool ??= { idle: [] };
}

/** Ends every pooled worker process. */
export async function closeLoadWorkerPool(): Promise<void> {
  const idle = pool?.idle ?? [];
  pool = undefined;
  await Promise.all(idle.map((w) => w.exit()));
}

/** Forks `count` load workers named `<prefix>-<i>` (or takes pooled ones) and waits until each is listening. */
export async function spawnLoadWorkers(
  prefix: string,
  count: number,
  path = WORKER_PATH,
): Promise<LoadWorker[]> {
  const reused: LoadWorker[] = [];
  while (pool && reused.length < count) {
    const i = pool.idle.findIndex((w) => w.path === path);
    if (i < 0) break;
    reused.push(...pool.idle.splice(i, 1));
  }
  const workers = Array.from({ length: count - reused.length }, (_, i) => {
    const child = fork(path, [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    trackChild(child);
    return new LoadWorker(`${prefix}-${i}`, child);
  });
  await withTimeout(Promise.all(workers.map((w) => w.ready)), 20_000, `${prefix} load workers to start`);
  return [...reused, ...workers];
}
