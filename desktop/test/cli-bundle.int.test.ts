import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import { testName } from '@relaybox/core/testing';
import { supportedCombinations, UWS_BUILDS } from '@relaybox/gateway';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSdk, ensureConsoleBuilt, freePort, ROOT } from './console-harness.js';

// The CLI bundle the packaged app ships (desktop/scripts/build-cli.mjs → desktop/dist/cli), run
// the way the app runs it: plain `node <bundle>/relaybox.mjs`, copied to a temp directory outside
// the repository (no tsx, no workspace node_modules), with yet another temp directory as cwd.

const READY_MS = 60_000;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
const clients: RelayBox[] = [];
let bundleDir: string;

interface CliRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rb-cli-bundle-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The test's environment minus what would point the bundle elsewhere (it must find its own parts). */
function bundleEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['RELAYBOX_CONSOLE_DIR', 'RELAYBOX_GATEWAY_ENTRY', 'RELAYBOX_DATA_DIR', 'NODE_OPTIONS'])
    delete env[name];
  return env;
}

/** Starts `node relaybox.mjs <args>` in `cwd` and resolves once it prints "RelayBox is up". */
async function startCli(args: string[], cwd: string): Promise<CliRun> {
  const child = spawn(process.execPath, [join(bundleDir, 'relaybox.mjs'), ...args], {
    cwd,
    env: bundleEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a failed test kills the native engine's gateway processes with it.
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already (the CLI stopped its stack and exited).
    }
    return exited;
  });
  const up = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_MS);
    const check = () => {
      if (!text.includes('RelayBox is up')) return;
      clearTimeout(timer);
      resolve(true);
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(text.includes('RelayBox is up'));
    });
  });
  if (!up) throw new Error(`relaybox ${args.join(' ')} did not come up:\n${text}`);
  return { child, output: () => text, exited };
}

/** The dev key `relaybox keys` prints for the stack of `cwd`. */
function devKeyOf(cwd: string): string {
  const keys = spawnSync(process.execPath, [join(bundleDir, 'relaybox.mjs'), 'keys'], {
    cwd,
    env: bundleEnv(),
    encoding: 'utf8',
  });
  expect(keys.status, keys.stderr).toBe(0);
  const key = /^\s+(dev\.\S+:\S+)$/m.exec(keys.stdout)?.[1];
  if (!key) throw new Error(`no dev key in the keys output:\n${keys.stdout}`);
  return key;
}

/** Two SDK clients on the stack: one publishes, the other receives it. */
async function expectPubSub(origin: string, apiKey: string): Promise<void> {
  const id = randomBytes(3).toString('hex');
  const subscriber = await connectSdk(origin, apiKey, `sub-${id}`);
  clients.push(subscriber);
  const publisher = await connectSdk(origin, apiKey, `pub-${id}`);
  clients.push(publisher);
  const room = `chat:${id}`;
  const got = new Promise<RoomMessage>((resolve) => {
    void subscriber.join(room).then((r) => r.subscribe('note', resolve));
  });
  const joined = await publisher.join(room);
  // Publish until the subscription is in place (bounded: 5 tries, 2 s each).
  let delivered: RoomMessage | undefined;
  for (let n = 0; n < 5 && !delivered; n++) {
    await joined.publish('note', { id }).catch(() => undefined);
    delivered = await Promise.race([got, new Promise<undefined>((r) => setTimeout(r, 2000))]);
  }
  expect(delivered?.data).toEqual({ id });
}

/** SIGTERM stops the stack: the CLI exits 0 and the origin no longer answers. */
async function expectCleanStop(run: CliRun, origin: string): Promise<void> {
  run.child.kill('SIGTERM');
  expect(await run.exited, run.output()).toBe(0);
  await expect(fetch(`${origin}/v1/health`)).rejects.toThrow();
}

beforeAll(() => {
  ensureConsoleBuilt();
  const built = spawnSync(process.execPath, [join(ROOT, 'desktop/scripts/build-cli.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`CLI bundle build failed:\n${built.stdout}\n${built.stderr}`);
  bundleDir = tempDir('bundle');
  cpSync(join(ROOT, 'desktop/dist/cli'), bundleDir, { recursive: true });
}, 120_000);

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 60_000);

describe('the desktop CLI bundle', () => {
  it('carries only the native modules (uWebSockets.js builds with binaries of the desktop platforms, argon2)', () => {
    expect(readdirSync(join(bundleDir, 'node_modules')).sort()).toEqual(
      ['@node-rs', ...UWS_BUILDS.map((b) => b.alias)].sort(),
    );
    // @node-rs/argon2 and the platform packages installed here (at least this machine's).
    const argon2 = readdirSync(join(bundleDir, 'node_modules/@node-rs'));
    expect(argon2).toContain('argon2');
    expect(
      argon2.filter((name) => name.startsWith(`argon2-${process.platform}-${process.arch}`)),
    ).toHaveLength(1);
    for (const build of UWS_BUILDS) {
      const binaries = readdirSync(join(bundleDir, 'node_modules', build.alias, build.binaries)).filter((f) =>
        f.endsWith('.node'),
      );
      expect(binaries).toContain(`uws_${process.platform}_${process.arch}_115.node`);
      const abis = Object.values(build.nodeAbis).join('|');
      const pattern = new RegExp(`^uws_(linux|darwin|win32)_(x64|arm64)_(${abis})\\.node$`);
      expect(
        binaries.every((name) => pattern.test(name)),
        binaries.join(', '),
      ).toBe(true);
    }
    expect(readdirSync(join(bundleDir, 'lua'))).toContain('session-create.lua');
  });

  it('runs the embedded stack from a temp directory: health, console, SDK pub/sub, SIGTERM', async () => {
    const cwd = tempDir('embedded');
    const port = await freePort();
    const run = await startCli(['up', '--engine', 'embedded', '--port', String(port), '--no-open'], cwd);
    const origin = `http://127.0.0.1:${port}`;
    const health = await fetch(`${origin}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const page = await fetch(`${origin}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>RelayBox console</title>');
    await expectPubSub(origin, devKeyOf(cwd));
    // Password sign-up hashes with argon2: the bundle's own @node-rs/argon2 (no workspace beside it).
    const signUp = await fetch(`${origin}/v1/auth/dev/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'a long password' }),
    });
    expect(signUp.status, await signUp.clone().text()).toBe(201);
    const signIn = await fetch(`${origin}/v1/auth/dev/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'a long password' }),
    });
    expect(signIn.status).toBe(200);
    await expectCleanStop(run, origin);
  }, 120_000);

  it('refuses to start a gateway when no bundled build matches this platform, naming what works', () => {
    const cwd = tempDir('no-binary');
    // A bundle without this platform's binaries, as on a platform or Node.js the bundle does not ship.
    const bundle = tempDir('bundle-no-binary');
    cpSync(bundleDir, bundle, { recursive: true });
    for (const build of UWS_BUILDS) {
      const dir = join(bundle, 'node_modules', build.alias, build.binaries);
      for (const name of readdirSync(dir))
        if (name.startsWith(`uws_${process.platform}_${process.arch}_`)) rmSync(join(dir, name));
    }
    const run = spawnSync(
      process.execPath,
      [join(bundle, 'relaybox.mjs'), 'up', '--engine', 'embedded', '--port', '0', '--no-open'],
      { cwd, env: bundleEnv(), encoding: 'utf8', timeout: READY_MS },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no native uWebSockets\.js build for Node\.js v\d+.*refusing to start/);
    expect(run.stderr).toContain(`Supported: ${supportedCombinations()}`);
  });

  it('runs the native stack with two bundled gateway processes', async () => {
    const id = randomBytes(3).toString('hex');
    const prefix = `test-cli-bundle-${id}:`;
    const exchange = testName('test.cli-bundle');
    cleanups.push(() =>
      Promise.allSettled([RabbitmqAdmin.deleteExchange(exchange), deleteRedisKeys(prefix)]),
    );
    const cwd = tempDir('native');
    const port = await freePort();
    const run = await startCli(
      [
        'up',
        '--engine',
        'native',
        '--gateways',
        '2',
        '--port',
        String(port),
        '--redis-prefix',
        prefix,
        '--amqp-exchange',
        exchange,
        '--no-open',
      ],
      cwd,
    );
    const origin = `http://127.0.0.1:${port}`;
    const status = spawnSync(process.execPath, [join(bundleDir, 'relaybox.mjs'), 'status'], {
      cwd,
      env: bundleEnv(),
      encoding: 'utf8',
    });
    expect(status.stdout).toMatch(/gateway-2/);
    expect((await fetch(`${origin}/v1/health`)).status).toBe(200);
    expect((await fetch(`${origin}/console/`)).status).toBe(200);
    await expectPubSub(origin, devKeyOf(cwd));
    await expectCleanStop(run, origin);
  }, 120_000);
});
