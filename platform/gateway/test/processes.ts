import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface GatewayProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Starts `platform/gateway/src/main.ts` as its own process, exactly like `pnpm start`, and waits
 * for the banner that names its port.
 */
export function spawnGateway(
  env: Record<string, string>,
  timeoutMs = 20_000,
  /** Extra `node` flags, e.g. `--expose-gc`. */
  nodeArgs: string[] = [],
): Promise<GatewayProcess> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'platform/gateway/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, RELAYBOX_PORT: '0', RELAYBOX_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const port = /ws:\/\/[\d.]+:(\d+)\/v1\/ws/.exec(out)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ proc, port: Number(port), url: `http://127.0.0.1:${port}`, output: () => out, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before starting:\n${out}`));
    });
  });
}

/** Runs main.ts to completion (for start-up failures) and returns its exit code and output. */
export function runGatewayToExit(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | string; output: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'platform/gateway/src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, RELAYBOX_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, output });
    }),
  );
}

export interface WorkerProcess {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

/** `main.ts worker <queues>` as its own process; resolves once its banner says it processes jobs. */
export function spawnWorker(env: Record<string, string>, queues: string): Promise<WorkerProcess> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'platform/gateway/src/main.ts', 'worker', queues],
    {
      cwd: ROOT,
      env: { ...process.env, RELAYBOX_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`worker did not start:\n${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (/RelayBox worker \S+ processing/.test(out)) {
        clearTimeout(timer);
        resolve({ proc, output: () => out, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}):\n${out}`));
    });
  });
}
