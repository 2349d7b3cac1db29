import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, freePort } from '../../test/console-harness.js';
import {
  ALL_SERVICES,
  controlStack,
  daemonOf,
  deliverMessage,
  docker,
  dockerStackEnv,
  freeStackPort,
  leftovers,
  removeStack,
  services,
} from './test-support/docker-stack-harness.js';
import { listAsarFiles } from './test-support/electron-dist/asar-reader.mjs';
import {
  DESKTOP,
  ofType,
  type RunningBundle,
  STAND_IN_DIST,
  startPackagedApp,
} from './test-support/main-bundle-harness.js';

// The packaged app, built for real: electron-builder (electron-builder.yml, `--linux dir`) packs the
// build with a stand-in Electron distribution (test-support/electron-dist: an `electron` launcher
// that runs the app's main bundle, read from app.asar, under the system Node.js with the stand-in
// `electron` module), in a network namespace with no network. The resulting `linux-unpacked` is
// copied to a temporary folder outside the repository and started from its executable: the docker
// engine builds the platform image from the context the app carries (<resources>/cli/stack) and
// the stack delivers; the embedded engine runs the bundled CLI from <resources>/cli.
const run = promisify(execFile);
const REPO = join(DESKTOP, '..');
const stack = `rbpkg-${randomBytes(3).toString('hex')}`;
// An image tag of this test's own. It is built on every run (the copied context's modification times
// are new, so its fingerprint is), mostly from the engine's layer cache.
const PLATFORM_IMAGE = 'relaybox-test/platform:packaged';
const DOCKER_ENV = dockerStackEnv(stack, PLATFORM_IMAGE);
// Nothing of a checkout reaches the app through the environment either.
const NO_CHECKOUT = {
  RELAYBOX_CLI: undefined,
  RELAYBOX_CONSOLE_DIR: undefined,
  RELAYBOX_GATEWAY_ENTRY: undefined,
  RELAYBOX_NODE: undefined,
};
const STAND_IN_FILES = [
  'electron',
  'boot.mjs',
  'asar-reader.mjs',
  'electron-stand-in.mjs',
  'electron-stand-in-hooks.mjs',
  'electron-stand-in-loader.mjs',
];

const temps: string[] = [];
const apps: RunningBundle[] = [];
let appDir: string;

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** The packaged app started from its executable, with a userData folder of its own. */
async function startApp(env: Record<string, string>, settings?: object): Promise<RunningBundle> {
  const userData = await temp('rb-packaged-userdata-');
  if (settings) await writeFile(join(userData, 'settings.json'), JSON.stringify(settings));
  const app = startPackagedApp(join(appDir, 'relaybox-desktop'), appDir, {
    ...NO_CHECKOUT,
    RB_STAND_IN_USERDATA: userData,
    ...env,
  });
  apps.push(app);
  return app;
}

async function quit(app: RunningBundle): Promise<void> {
  const before = app.events.length;
  app.send({ cmd: 'quit' });
  await app.next(ofType('question'), before);
  await app.next(ofType('quit'), before, 120_000);
  expect(await app.exited).toBe(0);
}

beforeAll(async () => {
  const started = Date.now();
  // The app build, as `pnpm --filter @relaybox/desktop build` makes it.
  ensureConsoleBuilt();
  await run(process.execPath, ['scripts/build-cli.mjs'], { cwd: DESKTOP });
  await run(process.execPath, ['scripts/build-main.mjs'], { cwd: DESKTOP });
  const dist = await temp('rb-electron-dist-');
  for (const file of STAND_IN_FILES) await cp(join(STAND_IN_DIST, file), join(dist, file));
  await chmod(join(dist, 'electron'), 0o755);
  const out = await temp('rb-electron-builder-');
  // No network at all: a network namespace of its own with no interface up (in a user namespace,
  // so it needs no privilege). Its Electron version is the installed `electron` package's.
  const builder = join(DESKTOP, 'node_modules/.bin/electron-builder');
  const packaging = run(
    'unshare',
    [
      '--map-root-user',
      '--net',
      builder,
      '--config',
      'electron-builder.yml',
      '--linux',
      'dir',
      '--publish',
      'never',
      `-c.electronDist=${dist}`,
      `-c.directories.output=${out}`,
    ],
    { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
  );
  await packaging.catch((error: { message: string; stdout?: string; stderr?: string }) => {
    throw new Error(`${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  // The app alone, outside the repository, as an installed app is; the build's output goes.
  appDir = join(await temp('rb-packaged-app-'), 'RelayBox');
  await cp(join(out, 'linux-unpacked'), appDir, { recursive: true, verbatimSymlinks: true });
  await rm(out, { recursive: true, force: true });
  await rm(dist, { recursive: true, force: true });
  console.log(`packaged (app build + electron-builder --dir + copy) in ${Date.now() - started} ms`);
}, 300_000);

afterAll(async () => {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGKILL');
  await removeStack(stack);
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
}, 120_000);

describe('the packaged desktop app (electron-builder --dir with a stand-in Electron, run outside the repository)', () => {
  it('packs main, preload and console into app.asar and the CLI with its docker stack into resources/cli, offline', async () => {
    // The stand-in Electron distribution, its launcher renamed to the app's executable
    // (linux.executableName), beside the app's resources.
    expect((await readdir(appDir)).sort()).toEqual(
      [...STAND_IN_FILES.filter((f) => f !== 'electron'), 'relaybox-desktop', 'resources'].sort(),
    );
    // No app.asar.unpacked: electron-builder packed no node_modules (the beforeBuild hook).
    expect((await readdir(join(appDir, 'resources'))).sort()).toEqual(['app.asar', 'cli']);
    const packed = listAsarFiles(join(appDir, 'resources/app.asar'));
    expect(packed).toEqual(expect.arrayContaining(['dist/main/main.js', 'dist/preload/preload.cjs']));
    expect(packed).toContain('dist/console/index.html');
    expect(packed.filter((f) => !/^(package\.json|dist\/(main|preload|console)\/)/.test(f))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.map'))).toEqual([]);
    const cli = join(appDir, 'resources/cli');
    for (const file of [
      'relaybox.mjs',
      'gateway.mjs',
      'console/index.html',
      'node_modules/uWebSockets.js/package.json',
      'stack/compose.yaml',
      'stack/Dockerfile',
      'stack/nginx',
      'stack/app/relaybox.mjs',
    ])
      await expect(stat(join(cli, file)), file).resolves.toBeDefined();
  });

  it('runs the docker engine from the app: builds the platform image from the carried context, delivers, stops', {
    timeout: 600_000,
  }, async () => {
    const port = await freeStackPort();
    const app = await startApp({ ...DOCKER_ENV, RELAYBOX_PORT: String(port) });
    const chosen = await app.next((e) => e.msg === 'engine chosen');
    expect(chosen).toMatchObject({ engine: 'docker' });
    expect(chosen.reason).toMatch(/^the default: a Docker engine answers at /);
    const loaded = await app.next(ofType('loadURL'), 0, 540_000);
    expect(loaded.url).toBe(`http://localhost:${port}/console/`);

    const context = join(appDir, 'resources/cli/stack');
    expect(app.output).toContain(`[stack] build ${PLATFORM_IMAGE}: context ${context}`);
    expect(await services(stack)).toEqual(ALL_SERVICES);
    // nginx's configuration is bind-mounted from the carried stack too.
    const nginx = await docker.getContainer(`${stack}-nginx`).inspect();
    expect(nginx.Mounts.filter((m) => m.Type === 'bind').map((m) => m.Source)).toEqual([
      join(context, 'nginx'),
    ]);
    // The window's preload is the one inside app.asar.
    expect((await app.next(ofType('window'))).webPreferences).toMatchObject({
      preload: join(appDir, 'resources/app.asar/dist/preload/preload.cjs'),
    });

    const daemon = await daemonOf(app, loaded);
    const text = 'hello from the packaged app';
    expect(await deliverMessage(daemon.connection, `pkg:${stack}`, text)).toContain(text);

    // Start after Stop reuses the image: its context's fingerprint has not changed.
    const mark = app.output.length;
    expect((await controlStack(daemon, 'down')).state).toBe('stopped');
    expect((await controlStack(daemon, 'up')).state).toBe('running');
    const again = app.output.slice(mark);
    expect(again).toContain(`[stack] build ${PLATFORM_IMAGE}: up to date: done`);
    expect(again.filter((line) => line.includes(': context '))).toEqual([]);

    await quit(app);
    expect((await leftovers(stack)).containers).toEqual([]);
    // Nothing the app did named the checkout.
    expect(JSON.stringify([app.events, app.output])).not.toContain(REPO);
  });

  it('runs the embedded engine in the CLI the app carries', { timeout: 120_000 }, async () => {
    const app = await startApp({ RELAYBOX_PORT: String(await freePort()) }, { engine: 'embedded' });
    const loaded = await app.next(ofType('loadURL'), 0, 60_000);
    const pid = app.child.pid!;
    const [child] = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(' ');
    const argv = (await readFile(`/proc/${child}/cmdline`, 'utf8')).split('\0');
    expect(argv.slice(1, 5)).toEqual([
      join(appDir, 'resources/cli/relaybox.mjs'),
      'up',
      '--engine',
      'embedded',
    ]);
    const daemon = await daemonOf(app, loaded);
    const text = 'hello from the embedded engine';
    expect(await deliverMessage(daemon.connection, 'pkg:embedded', text)).toContain(text);
    await quit(app);
    await expect(fetch(new URL('/v1/health', String(loaded.url)))).rejects.toThrow();
    expect(JSON.stringify([app.events, app.output])).not.toContain(REPO);
  });
});
