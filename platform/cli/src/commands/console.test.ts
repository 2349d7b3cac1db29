import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonFilePath, EmbeddedEngine, ensureDaemon, writeDaemonFile } from '@relaybox/orchestrator';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { browserCommand, buildConsoleUrl, runConsole, shouldOpenConsole } from './console.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function tempContext() {
  const cwd = await mkdtemp(join(tmpdir(), 'rb-console-'));
  cleanups.push(() => rm(cwd, { recursive: true, force: true }));
  const out: string[] = [];
  const err: string[] = [];
  const context: CliContext = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    cwd,
    untilSignal: () => new Promise(() => undefined),
  };
  return { context, cwd, out, err };
}

describe('buildConsoleUrl', () => {
  it('puts the daemon, its secret and the admin token in the fragment, encoded', () => {
    const url = buildConsoleUrl({
      console: 'http://localhost:9000/console',
      daemonUrl: 'http://127.0.0.1:41234',
      secret: 'a-b_c+d/e=&f',
      adminToken: 'tok&en=1',
    });
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe('http://localhost:9000/console/');
    expect(parsed.search).toBe('');
    expect(url).toContain(`#daemon=${encodeURIComponent('http://127.0.0.1:41234')}&secret=`);
    const fragment = new URLSearchParams(parsed.hash.slice(1));
    expect(Object.fromEntries(fragment)).toEqual({
      daemon: 'http://127.0.0.1:41234',
      secret: 'a-b_c+d/e=&f',
      token: 'tok&en=1',
    });
  });

  it('leaves out what is unknown', () => {
    expect(buildConsoleUrl({ console: 'http://localhost:9000/console/' })).toBe(
      'http://localhost:9000/console/',
    );
    expect(buildConsoleUrl({ console: 'http://localhost:9000/console', adminToken: 't', secret: 's' })).toBe(
      'http://localhost:9000/console/#token=t',
    );
  });
});

describe('browserCommand', () => {
  it('opens the URL as one argument on every platform', () => {
    const url = 'http://localhost:9000/console/#daemon=x&secret=y';
    expect(browserCommand(url, 'linux')).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserCommand(url, 'darwin')).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, 'win32')).toEqual({
      command: 'rundll32',
      args: ['url.dll,FileProtocolHandler', url],
    });
  });
});

describe('shouldOpenConsole (relaybox up)', () => {
  const at = (interactive: boolean, env: Record<string, string> = {}) =>
    ({ interactive, env }) as unknown as CliContext;
  it('opens at an interactive terminal, not in CI or without a terminal', () => {
    expect(shouldOpenConsole(undefined, at(true))).toBe(true);
    expect(shouldOpenConsole(undefined, at(true, { CI: 'true' }))).toBe(false);
    expect(shouldOpenConsole(undefined, at(false))).toBe(false);
  });
  it('follows --open and --no-open', () => {
    expect(shouldOpenConsole(true, at(false))).toBe(true);
    expect(shouldOpenConsole(false, at(true))).toBe(false);
  });
});

describe('relaybox console', () => {
  it('connects to the daemon of the stack in this directory and opens the console with its secret', async () => {
    const { context, cwd, out } = await tempContext();
    const engine = new EmbeddedEngine({ dataDir: join(cwd, '.relaybox') });
    const result = await engine.up({ port: 0 });
    cleanups.push(() => engine.down());
    const daemon = await ensureDaemon(engine, { dataDir: join(cwd, '.relaybox'), credentials: result });
    cleanups.push(() => daemon.close());

    const opened: string[] = [];
    const url = await runConsole({ open: true }, context, async (u) => {
      opened.push(u);
    });
    expect(opened).toEqual([url]);
    expect(out.join('')).toBe(`Console: ${url}\n`);
    const fragment = new URLSearchParams(new URL(url).hash.slice(1));
    expect(fragment.get('daemon')).toBe(daemon.url);
    expect(fragment.get('secret')).toBe(daemon.secret);
    expect(fragment.get('token')).toBe(result.adminToken);
    expect(url.startsWith(`${result.status.endpoints.origin}/console/#`)).toBe(true);

    // --no-open only prints; a failing browser is reported, not fatal.
    const printed = await runConsole({ open: false }, context, async () => {
      throw new Error('must not open');
    });
    expect(printed).toBe(url);
  });

  it('reports a browser that cannot be started and still prints the URL', async () => {
    const { context, cwd, err } = await tempContext();
    const engine = new EmbeddedEngine({ dataDir: join(cwd, '.relaybox') });
    const result = await engine.up({ port: 0 });
    cleanups.push(() => engine.down());
    const daemon = await ensureDaemon(engine, { dataDir: join(cwd, '.relaybox'), credentials: result });
    cleanups.push(() => daemon.close());
    await runConsole({ open: true }, context, async () => {
      throw new Error('spawn xdg-open ENOENT');
    });
    expect(err.join('')).toMatch(/could not open a browser.*ENOENT/);
  });

  it('fails clearly without a stack, and drops a stale daemon.json', async () => {
    const { context, cwd } = await tempContext();
    await expect(runConsole({ open: false }, context)).rejects.toBeInstanceOf(CliError);
    await expect(runConsole({ open: false }, context)).rejects.toThrow(/relaybox up/);

    // A daemon that is gone: nothing listens on its port and its process does not exist.
    await writeDaemonFile(join(cwd, '.relaybox'), {
      url: 'http://127.0.0.1:1',
      secret: 'x'.repeat(43),
      pid: 2 ** 30,
      engine: 'embedded',
      startedAt: 0,
    });
    await expect(runConsole({ open: false }, context)).rejects.toThrow(/no stack is running/);
    await expect(stat(daemonFilePath(join(cwd, '.relaybox')))).rejects.toThrow();
  });
});
