import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../test/console-harness.js';
import {
  ALL_SERVICES,
  controlStack,
  daemonOf,
  deliverMessage,
  dockerStackEnv,
  freeStackPort,
  leftovers as leftoversOf,
  removeStack,
  services,
} from './test-support/docker-stack-harness.js';
import { DESKTOP, ofType, type RunningBundle, startMainBundle } from './test-support/main-bundle-harness.js';

// The built main bundle under Node with the Electron stand-in, on the docker engine: the main
// process itself drives this machine's real Docker engine through the orchestrator and Dockerode
// (no `relaybox up` child), building the platform image from the carried stack the CLI bundle
// writes (desktop/dist/cli/stack, `<resources>/cli/stack` when packaged: the packaged app is
// main-bundle-packaged.int.test.ts's). And the default engine: docker when a Docker engine answers,
// embedded when DOCKER_HOST points at nothing.
const run = promisify(execFile);
const stack = `rbdesk-${randomBytes(3).toString('hex')}`;
// A platform image tag of this test's own: rebuilt only when the carried bundle changes (its layers cached).
const DOCKER_ENV = dockerStackEnv(stack, 'relaybox-test/platform:desktop');
const leftovers = () => leftoversOf(stack);

const userDatas: string[] = [];
const bundles: RunningBundle[] = [];

async function start(env: Record<string, string>): Promise<RunningBundle> {
  const userData = await mkdtemp(join(tmpdir(), 'rb-desktop-docker-'));
  userDatas.push(userData);
  const bundle = startMainBundle({ RB_STAND_IN_USERDATA: userData, ...env });
  bundles.push(bundle);
  return bundle;
}

beforeAll(async () => {
  // The console, the CLI bundle (with its carried stack) and the main bundle, as the app build makes them.
  ensureConsoleBuilt();
  await run(process.execPath, ['scripts/build-cli.mjs'], { cwd: DESKTOP });
  await run(process.execPath, ['scripts/build-main.mjs'], { cwd: DESKTOP });
}, 120_000);

afterAll(async () => {
  for (const bundle of bundles) if (bundle.child.exitCode === null) bundle.child.kill('SIGKILL');
  await removeStack(stack);
  await Promise.all(userDatas.map((dir) => rm(dir, { recursive: true, force: true })));
}, 120_000);

describe('desktop main bundle on the docker engine (real Docker, Electron stand-in)', () => {
  it('defaults to docker when an engine answers, runs the stack from this process, delivers, and quitting removes it', {
    timeout: 600_000,
  }, async () => {
    const port = await freeStackPort();
    const app = await start({ ...DOCKER_ENV, RELAYBOX_PORT: String(port) });
    const chosen = await app.next((e) => e.msg === 'engine chosen');
    expect(chosen).toMatchObject({ service: 'desktop', engine: 'docker' });
    expect(chosen.reason).toMatch(/^the default: a Docker engine answers at /);

    const loaded = await app.next(ofType('loadURL'), 0, 540_000);
    expect(loaded.url).toBe(`http://localhost:${port}/console/`);
    // The stack's containers, started by the app's own process: no `relaybox up` child, no daemon.json.
    expect(await services(stack)).toEqual(ALL_SERVICES);
    await expect(readFile(join(userDatas[0]!, 'stack/.relaybox/daemon.json'))).rejects.toThrow();
    const pid = app.child.pid!;
    expect((await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim()).toBe('');
    const tooltips = app.events.filter(ofType('tray')).map((e) => String(e.tooltip));
    expect(tooltips.at(-1)).toMatch(/^RelayBox \(docker\): running, (\d+)\/\1 services up$/);

    // IPC: the engine and why; the daemon in the main process drives the stack.
    let before = app.events.length;
    app.send({ cmd: 'ipc', channel: 'app:info', args: [], url: loaded.url });
    expect((await app.next(ofType('ipc-result'), before)).result).toMatchObject({
      ok: true,
      value: { engine: 'docker', engineReason: chosen.reason },
    });
    const daemon = await daemonOf(app, loaded);
    const { daemonUrl, headers, connection } = daemon;
    const status = (await (await fetch(`${daemonUrl}/api/stack`, { headers })).json()) as {
      engine: string;
      state: string;
    };
    expect(status).toMatchObject({ engine: 'docker', state: 'running' });

    // A message through the stack: two SDK clients through nginx.
    expect(await deliverMessage(connection, `desk:${stack}`, 'hello from the app')).toContain(
      'hello from the app',
    );

    // The console's stack control goes to the daemon in the main process: stop, then start again on
    // the same origin.
    expect((await controlStack(daemon, 'down')).state).toBe('stopped');
    expect((await leftovers()).containers).toEqual([]);
    const again = await controlStack(daemon, 'up');
    expect(again).toMatchObject({ state: 'running', endpoints: { origin: connection.origin } });
    expect((await fetch(`${connection.origin}/v1/health`)).status).toBe(200);

    before = app.events.length;
    app.send({ cmd: 'quit' });
    expect((await app.next(ofType('question'), before)).message).toBe(
      'RelayBox started the docker stack. Stop it before quitting?',
    );
    await app.next(ofType('quit'), before, 120_000);
    expect(await app.exited).toBe(0);
    // Down leaves no container and no network; the named volumes stay, as with `docker compose down`.
    const left = await leftovers();
    expect(left.containers).toEqual([]);
    expect(left.networks).toEqual([]);
    expect(left.volumes.sort()).toEqual(
      ['platform-data', 'rabbitmq-data', 'redis-data'].map((v) => `${stack}_${v}`),
    );
    await expect(fetch(`http://127.0.0.1:${port}/v1/health`)).rejects.toThrow();
    await expect(fetch(`${daemonUrl}/api/stack`)).rejects.toThrow();
    // The bundle drives Docker itself, yet never loads uWebSockets.js (no build for Electron's ABI).
    const main = await readFile(join(DESKTOP, 'dist/main/main.js'), 'utf8');
    expect(main).not.toMatch(/(?:\brequire\s*\(|\bimport\s*\(|\bfrom\s*)\s*["']uWebSockets\.js/);
  });

  it('shows why the docker stack did not start (its port in use), leaving nothing', {
    timeout: 120_000,
  }, async () => {
    const port = await freeStackPort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, resolve));
    try {
      const app = await start({ ...DOCKER_ENV, RELAYBOX_PORT: String(port) });
      expect((await app.next((e) => e.msg === 'engine chosen')).engine).toBe('docker');
      const page = String((await app.next(ofType('failure-page'), 0, 60_000)).html);
      expect(page).toContain('The docker stack did not start:');
      expect(page).toContain(String(port));
      expect(app.events.filter(ofType('tray')).at(-1)?.tooltip).toMatch(
        /^RelayBox: the docker stack did not start/,
      );
      expect((await leftovers()).containers).toEqual([]);
      const before = app.events.length;
      app.send({ cmd: 'quit' });
      await app.next(ofType('quit'), before);
      expect(await app.exited).toBe(0);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('defaults to embedded when no Docker engine answers, and says why', { timeout: 120_000 }, async () => {
    const nowhere = join(await mkdtemp(join(tmpdir(), 'rb-no-docker-')), 'docker.sock');
    userDatas.push(join(nowhere, '..'));
    // A socket that was listened on and closed: nothing answers there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(nowhere, resolve));
    await new Promise((resolve) => closed.close(resolve));
    const app = await start({
      ...DOCKER_ENV,
      DOCKER_HOST: `unix://${nowhere}`,
      RELAYBOX_PORT: String(await freeStackPort()),
    });
    const chosen = await app.next((e) => e.msg === 'engine chosen');
    expect(chosen.engine).toBe('embedded');
    expect(chosen.reason).toBe(
      `the default: no Docker engine answers at unix://${nowhere} (ENOENT), and the embedded engine needs none`,
    );
    const loaded = await app.next(ofType('loadURL'), 0, 60_000);
    // The embedded engine runs in a `relaybox up` child of the app (uWebSockets.js needs Node's ABI).
    const pid = app.child.pid!;
    expect((await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim()).toMatch(/^\d+/);
    let before = app.events.length;
    app.send({ cmd: 'ipc', channel: 'app:info', args: [], url: loaded.url });
    expect((await app.next(ofType('ipc-result'), before)).result).toMatchObject({
      ok: true,
      value: { engine: 'embedded', engineReason: chosen.reason },
    });
    expect((await fetch(new URL('/v1/health', String(loaded.url)))).status).toBe(200);
    before = app.events.length;
    app.send({ cmd: 'quit' });
    await app.next(ofType('quit'), before, 60_000);
    expect(await app.exited).toBe(0);
  });
});
