import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BundleEvent,
  DESKTOP as desktop,
  ofType,
  type RunningBundle,
  startMainBundle,
} from './test-support/main-bundle-harness.js';

// Builds the real main-process bundle (desktop/dist/main/main.js) and runs it under Node with a
// stand-in for the `electron` module (the Electron binary cannot be installed on these machines):
// the whole desktop flow runs for real — the app spawns `relaybox up --engine embedded` as a child
// process of the system Node.js, attaches to its daemon, answers IPC, adds the CSP, shows a crash
// of the child, restarts it from the tray, and stops it on quit.
interface DaemonInfo {
  url: string;
  secret: string;
  pid: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('desktop main bundle (built with esbuild, run with an Electron stand-in)', () => {
  let app: RunningBundle;
  let userData: string;
  let events: BundleEvent[];
  let exited: Promise<number | null>;
  let child: RunningBundle['child'];
  const next = (type: string, after = 0) => app.next(ofType(type), after);
  const send = (command: object) => app.send(command);
  // The stack process announces its daemon in the app's stack directory (userData/stack).
  const daemonFile = async (): Promise<DaemonInfo> =>
    JSON.parse(await readFile(join(userData, 'stack/.relaybox/daemon.json'), 'utf8')) as DaemonInfo;

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ['scripts/build-main.mjs'], { cwd: desktop });
    userData = await mkdtemp(join(tmpdir(), 'rb-desktop-main-'));
    // The user's pick wins over the default (docker when a Docker engine answers, as here; that
    // path is main-bundle-docker.int.test.ts's).
    await writeFile(join(userData, 'settings.json'), '{"engine":"embedded"}');
    app = startMainBundle({ RB_STAND_IN_USERDATA: userData, RELAYBOX_PORT: String(await freePort()) });
    ({ events, exited, child } = app);
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    // A stack process the app failed to stop must not outlive the test.
    const left = await daemonFile().catch(() => undefined);
    if (left && isAlive(left.pid)) process.kill(left.pid, 'SIGKILL');
    await rm(userData, { recursive: true, force: true });
  });

  it('runs the stack in a child process and opens a locked-down console window', async () => {
    const loaded = await next('loadURL');
    const chosen = events.find((e) => e.msg === 'engine chosen');
    expect(chosen).toMatchObject({ engine: 'embedded', reason: 'chosen in the settings (embedded)' });
    expect(loaded.url).toMatch(/^http:\/\/localhost:\d+\/console\/$/);
    const daemon = await daemonFile();
    expect(daemon.pid).not.toBe(child.pid);
    expect(isAlive(daemon.pid)).toBe(true);
    // Nothing native is loaded in the main process (uWebSockets.js has no build for Electron's ABI):
    // the bundle never imports or requires it (the gateway's table of builds may be bundled as data;
    // only its loader, which the main process never calls, would require a build).
    const bundle = await readFile(join(desktop, 'dist/main/main.js'), 'utf8');
    expect(bundle).not.toMatch(/(?:\brequire\s*\(|\bimport\s*\(|\bfrom\s*)\s*["']uWebSockets\.js/);
    const window = await next('window');
    expect(window.webPreferences).toMatchObject({
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      preload: join(desktop, 'dist/preload/preload.cjs'),
    });
    const tooltips = events.filter((e) => e.type === 'tray').map((e) => String(e.tooltip));
    expect(tooltips[0]).toBe('RelayBox: starting…');
    expect(tooltips.at(-1)).toMatch(/^RelayBox \(embedded\): running, (\d+)\/\1 services up$/);
    const health = await fetch(new URL('/v1/health', loaded.url as string));
    expect(health.status).toBe(200);
  });

  it('builds a preload that loads nothing but electron (sandboxed preloads can require nothing else)', async () => {
    const preload = await readFile(join(desktop, 'dist/preload/preload.cjs'), 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(preload).toContain('exposeInMainWorld("relaybox"');
  });

  it('answers IPC for the console frame only, with a daemon that works', async () => {
    const { url } = await next('loadURL');
    const before = events.length;
    send({ cmd: 'ipc', channel: 'console:connection', args: [], url });
    const { result } = await next('ipc-result', before);
    const { ok, value } = result as { ok: boolean; value: { daemonUrl: string; secret: string } };
    expect(ok).toBe(true);
    const daemon = await daemonFile();
    expect(value).toEqual({ daemonUrl: daemon.url, secret: daemon.secret });
    const stack = await fetch(`${value.daemonUrl}/api/stack`, {
      headers: { authorization: `Bearer ${value.secret}` },
    });
    expect(((await stack.json()) as { state: string }).state).toBe('running');

    const later = events.length;
    send({ cmd: 'ipc', channel: 'console:connection', args: [], url: 'https://evil.example/' });
    expect((await next('ipc-result', later)).result).toMatchObject({
      ok: false,
      error: { code: 'forbidden_sender' },
    });
  });

  it('adds the strict CSP to console responses', async () => {
    const { url } = await next('loadURL');
    const before = events.length;
    send({ cmd: 'headers', url, headers: { 'content-type': ['text/html'] } });
    const { result } = await next('headers-result', before);
    const csp = (result as { responseHeaders: Record<string, string[]> }).responseHeaders[
      'Content-Security-Policy'
    ];
    expect(csp?.[0]).toContain("script-src 'self'");
    expect(csp?.[0]).toContain("default-src 'none'");
  });

  it('shows a crash of the stack process and restarts it from the tray', async () => {
    const crashed = await daemonFile();
    const before = events.length;
    process.kill(crashed.pid, 'SIGKILL');
    const page = String((await next('failure-page', before)).html);
    expect(page).toContain('The stack process exited unexpectedly (signal SIGKILL).');
    expect(page).toContain('The embedded stack is healthy');
    expect(page).not.toContain('<script');
    // The tray is updated just before the page is shown (a status poll may have come in between).
    const trays = events.slice(before).filter((e) => e.type === 'tray');
    expect(trays.at(-1)?.tooltip).toBe('RelayBox: the stack process exited unexpectedly (signal SIGKILL)');

    const later = events.length;
    send({ cmd: 'menu', label: 'Restart stack' });
    expect((await next('menu-click', later)).enabled).toBe(true);
    const reloaded = await next('loadURL', later);
    const restarted = await daemonFile();
    expect(restarted.pid).not.toBe(crashed.pid);
    expect(isAlive(restarted.pid)).toBe(true);
    expect((await fetch(new URL('/v1/health', reloaded.url as string))).status).toBe(200);
  });

  it('asks before quitting, stops the stack process and exits, leaving nothing listening', async () => {
    const { url } = await next(
      'loadURL',
      events.findLastIndex((e) => e.type === 'loadURL'),
    );
    const { pid, url: daemonUrl } = await daemonFile();
    const before = events.length;
    send({ cmd: 'quit' });
    const question = await next('question', before);
    expect(question.message).toBe('RelayBox started the embedded stack. Stop it before quitting?');
    await next('quit', before);
    expect(await exited).toBe(0);
    expect(isAlive(pid)).toBe(false);
    await expect(fetch(new URL('/v1/health', url as string))).rejects.toThrow();
    await expect(fetch(`${daemonUrl}/api/stack`)).rejects.toThrow();
  });
});
