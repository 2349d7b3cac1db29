import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testName } from '@relaybox/core/testing';

const BIN = fileURLToPath(new URL('../bin/relaybox.mjs', import.meta.url));

/** Node 20 has no global WebSocket: the `ws` the client SDK itself is tested with. */
export const NodeWebSocket = createRequire(import.meta.resolve('@relaybox/client'))('ws') as unknown;

export const uniqueName = testName;

export interface CliProcess {
  proc: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Resolves once the output matches `pattern` (rejects if the process exits or time runs out). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Runs `relaybox <args>` as its own process in `cwd` (its `.relaybox` lives there). */
export function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}): CliProcess {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, RELAYBOX_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 45_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out);
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} in the output of relaybox ${args.join(' ')}:\n${out}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      exited.then((code) => {
        if (!listeners.has(check)) return;
        done();
        reject(new Error(`relaybox ${args.join(' ')} exited (${code}) before ${pattern}:\n${out}`));
      });
      check();
    });
  return { proc, output: () => out, exited, waitFor };
}

/** Runs `relaybox <args>` to completion. */
export async function runCliToExit(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | string; output: string }> {
  const cli = spawnCli(args, cwd, env);
  const timer = setTimeout(() => cli.proc.kill('SIGKILL'), 90_000);
  const code = await cli.exited;
  clearTimeout(timer);
  return { code, output: cli.output() };
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'rb-cli-'));

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it holds; bounded by `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
