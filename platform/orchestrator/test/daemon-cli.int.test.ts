import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonFilePath, readDaemonFile } from '../src/daemon/index.js';
import type { StackStatus } from '../src/engine.js';
import { eventually } from './daemon-test-client.js';

// Across processes, as a developer uses it: `relaybox up` in one terminal announces its daemon in
// .relaybox/daemon.json; `relaybox console` in another finds it and builds the console URL.
const BIN = fileURLToPath(new URL('../../cli/bin/relaybox.mjs', import.meta.url));

function relaybox(
  args: string[],
  cwd: string,
): { proc: ChildProcess; output: () => string; exited: Promise<number> } {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, RELAYBOX_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  return { proc, output: () => out, exited };
}

describe('relaybox up + relaybox console (two processes, one daemon)', () => {
  const cleanups: Array<() => Promise<unknown> | undefined> = [];
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  it('announces the daemon, opens the console with its secret, and withdraws it on stop', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rb-daemon-cli-'));
    cleanups.push(() => rm(cwd, { recursive: true, force: true }));
    const up = relaybox(['up', '--engine', 'embedded', '--port', '0'], cwd);
    cleanups.push(() => {
      if (up.proc.exitCode !== null) return undefined;
      up.proc.kill('SIGKILL');
      return up.exited;
    });

    await eventually(
      async () => (await readDaemonFile(join(cwd, '.relaybox'))) !== undefined,
      `daemon.json (${up.output()})`,
      600,
    );
    const announced = (await readDaemonFile(join(cwd, '.relaybox')))!;
    expect((await stat(daemonFilePath(join(cwd, '.relaybox')))).mode & 0o777).toBe(0o600);
    expect(announced.pid).toBe(up.proc.pid);

    const console = relaybox(['console', '--no-open'], cwd);
    expect(await console.exited).toBe(0);
    const url = /Console: (\S+)/.exec(console.output())?.[1];
    expect(url, console.output()).toBeDefined();
    const fragment = new URLSearchParams(new URL(url!).hash.slice(1));
    expect(fragment.get('daemon')).toBe(announced.url);
    expect(fragment.get('secret')).toBe(announced.secret);
    expect(fragment.get('token')).toBeTruthy();

    const res = await fetch(`${announced.url}/api/stack`, {
      headers: { authorization: `Bearer ${announced.secret}` },
    });
    const status = (await res.json()) as StackStatus;
    expect(status.state).toBe('running');
    expect(url!.startsWith(`${status.endpoints.origin}/console/#`)).toBe(true);

    up.proc.kill('SIGINT');
    expect(await up.exited).toBe(0);
    await expect(stat(daemonFilePath(join(cwd, '.relaybox')))).rejects.toThrow();
    await expect(fetch(`${announced.url}/api/stack`)).rejects.toThrow();

    // The daemon and the `up` process logged pino JSON to .relaybox/logs/daemon.log: the requests
    // of `relaybox console` and of this test each with a request id, and nothing secret.
    const text = await readFile(join(cwd, '.relaybox', 'logs', 'daemon.log'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) {
      expect(['daemon', 'cli']).toContain(line.service);
      expect(typeof line.msg).toBe('string');
      expect(line.pid).toBe(up.proc.pid);
    }
    const requests = lines.filter((l) => l.msg === 'daemon request');
    expect(requests.map((l) => l.path)).toEqual(
      expect.arrayContaining(['/api/stack/connection', '/api/stack']),
    );
    expect(new Set(requests.map((l) => l.reqId)).size).toBe(requests.length);
    expect(lines.filter((l) => l.service === 'cli').map((l) => l.msg)).toEqual([
      'stack starting',
      'stack up',
      'stack stopping',
      'stack stopped',
    ]);
    expect(text).not.toContain(announced.secret);
    expect(text).not.toContain(fragment.get('token'));
  });
});
