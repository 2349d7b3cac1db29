import { type ChildProcess, spawn } from 'node:child_process';
import type { ServiceState, ServiceStatus } from '../engine.js';
import { controllableActions } from '../service-actions.js';
import { LogBuffer } from './log-buffer.js';

export interface SupervisedProcessOptions {
  /** `gateway-1`, `worker`. */
  name: string;
  /** `gateway`, `worker`. */
  service: string;
  /** Arguments of `node` (e.g. `--import tsx platform/gateway/src/main.ts worker`). */
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Output that means "started"; its first capture group, when numeric, is the port it listens on. */
  ready: RegExp;
  /** Periodic check once started (e.g. GET /v1/health); a failure marks it unhealthy, not restarted. */
  healthCheck?: (port: number | undefined) => Promise<boolean>;
  healthIntervalMs?: number;
  /** Time from spawn to the ready output; past it the process is killed and counts as crashed. */
  startTimeoutMs?: number;
  onStatus: (status: ServiceStatus) => void;
  log?: LogBuffer;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
/** A process that stayed up this long starts its next backoff from the minimum again. */
const STABLE_AFTER_MS = 30_000;

/**
 * One supervised child process: spawned, watched (exit within the same tick, output to a log
 * buffer, periodic health), restarted with exponential backoff when it dies unless it was told to
 * stop. `stop` sends SIGTERM, then SIGKILL after the grace period.
 */
export class SupervisedProcess {
  readonly log: LogBuffer;
  private child: ChildProcess | undefined;
  private current: ServiceStatus;
  private wanted: 'running' | 'stopped' = 'stopped';
  private restartTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private startedAt = 0;
  private readyWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private boundPort: number | undefined;
  restarts = 0;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.log = options.log ?? new LogBuffer(options.name);
    this.current = {
      name: options.name,
      service: options.service,
      state: 'stopped',
      since: Date.now(),
      actions: ['start'],
    };
  }

  get name(): string {
    return this.options.name;
  }

  get status(): ServiceStatus {
    return { ...this.current };
  }

  /** The port it listens on, once its ready output named one. */
  get port(): number | undefined {
    return this.boundPort;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Sends `signal` to the running child (fault injection: SIGKILL, SIGSTOP, SIGCONT); a killed
   * child is restarted like any crash. Returns its pid, or undefined when none runs.
   */
  signal(signal: NodeJS.Signals): number | undefined {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    child.kill(signal);
    return child.pid;
  }

  /** Starts (or keeps) the process; resolves when it is ready, rejects if it dies or times out first. */
  start(): Promise<void> {
    this.wanted = 'running';
    clearTimeout(this.restartTimer);
    const ready = this.whenReady();
    if (!this.child) this.spawnChild();
    else if (this.current.state === 'healthy' || this.current.state === 'running') this.settleReady();
    return ready;
  }

  /** Stops the process for good (no restart): SIGTERM, SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.wanted = 'stopped';
    clearTimeout(this.restartTimer);
    clearInterval(this.healthTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.child = undefined;
      this.setState('stopped');
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(force);
  }

  private whenReady(): Promise<void> {
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private spawnChild(): void {
    const { args, env, cwd, ready } = this.options;
    this.boundPort = undefined;
    this.startedAt = Date.now();
    this.setState(this.restarts > 0 ? 'restarting' : 'starting');
    // stdin stays an open pipe: the child stops when it closes, i.e. when this process is gone.
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...env, RELAYBOX_SUPERVISED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin?.on('error', () => {});
    this.child = child;
    let seen = '';
    let isReady = false;
    const startTimer = setTimeout(() => {
      this.log.push(
        'stderr',
        `[supervisor] not ready after ${this.options.startTimeoutMs ?? 30_000} ms: killing it`,
      );
      child.kill('SIGKILL');
    }, this.options.startTimeoutMs ?? 30_000);
    const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString();
      this.log.write(stream, text);
      if (isReady) return;
      seen = (seen + text).slice(-4096);
      const match = ready.exec(seen);
      if (!match) return;
      isReady = true;
      clearTimeout(startTimer);
      const port = Number(match[1]);
      if (Number.isInteger(port) && port > 0) this.boundPort = port;
      this.becameReady();
    };
    child.stdout?.on('data', onOutput('stdout'));
    child.stderr?.on('data', onOutput('stderr'));
    child.on('error', (error) => this.log.push('stderr', `[supervisor] ${error.message}`));
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      this.onExit(child, code, signal);
    });
  }

  private becameReady(): void {
    this.setState(this.options.healthCheck ? 'healthy' : 'running', this.runningDetail());
    this.settleReady();
    const { healthCheck } = this.options;
    if (!healthCheck) return;
    clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => {
      healthCheck(this.boundPort).then(
        (ok) => this.onHealth(ok),
        () => this.onHealth(false),
      );
    }, this.options.healthIntervalMs ?? 2000);
    this.healthTimer.unref();
  }

  private onHealth(ok: boolean): void {
    if (!this.child || (this.current.state !== 'healthy' && this.current.state !== 'unhealthy')) return;
    const state: ServiceState = ok ? 'healthy' : 'unhealthy';
    if (state !== this.current.state) this.setState(state, ok ? this.runningDetail() : 'health check failed');
  }

  /** `pid 123, port 4567`: which process serves it now (it changes on every restart). */
  private runningDetail(): string {
    return [`pid ${this.child?.pid}`, this.boundPort ? `port ${this.boundPort}` : '']
      .filter(Boolean)
      .join(', ');
  }

  private settleReady(): void {
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.log.flush();
    clearInterval(this.healthTimer);
    const detail = code !== null ? `exit code ${code}` : `killed by ${signal}`;
    if (this.wanted === 'stopped') {
      this.setState('stopped', detail);
      return;
    }
    this.setState('exited', detail);
    for (const waiter of this.readyWaiters.splice(0)) {
      waiter.reject(
        new Error(`${this.options.name} exited (${detail}) before it was ready:\n${this.log.text()}`),
      );
    }
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.failures = 0;
    const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.failures);
    this.failures++;
    this.log.push('stderr', `[supervisor] ${this.options.name} ${detail}; restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.wanted !== 'running') return;
      this.restarts++;
      this.spawnChild();
    }, delay);
  }

  private setState(state: ServiceState, detail?: string): void {
    this.current = {
      name: this.options.name,
      service: this.options.service,
      state,
      since: Date.now(),
      actions: controllableActions(state),
      ...(detail ? { detail } : {}),
    };
    this.options.onStatus(this.status);
  }
}
