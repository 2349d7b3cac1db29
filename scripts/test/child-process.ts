import { type ChildProcess, spawn } from 'node:child_process';

export interface RunResult {
  code: number | string;
  output: string;
}

/** Runs a command to completion (killed at `timeoutMs`); stdout and stderr interleaved in `output`. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => killGroup(child), options.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, output });
    });
  });
}

/** Runs a command and returns its output; throws with the output when it exits non-zero. */
export async function runOk(...params: Parameters<typeof run>): Promise<string> {
  const result = await run(...params);
  if (result.code !== 0)
    throw new Error(`${params[0]} ${params[1].join(' ')} exited ${result.code}:\n${result.output}`);
  return result.output;
}

export interface Service {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
  /** Kills the whole process group (the service and anything it started). */
  stop(): Promise<number | string>;
}

/**
 * Starts a long-running command in its own process group and resolves once its output matches
 * `ready` (rejects if it exits first or after `timeoutMs`).
 */
export async function startService(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<Service> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const service: Service = {
    child,
    output: () => output,
    exited,
    stop: () => {
      killGroup(child);
      return exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`no ${options.ready} within ${options.timeoutMs ?? 60_000} ms`),
      options.timeoutMs ?? 60_000,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      killGroup(child);
      reject(new Error(`${command} ${args.join(' ')}: ${why}:\n${output}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!options.ready.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => fail(`exited (${code})`));
  });
  return service;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid && child.exitCode === null && child.signalCode === null)
      process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
