import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testName } from '@relaybox/core/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, serveStatic } from './browser.js';
import { run, runOk, type Service, startService } from './child-process.js';
import {
  consumerEnv,
  installConsumerProject,
  manifestOf,
  WORKSPACE,
  workspaceFolders,
} from './consumer-project.js';
import { DOCKER_TEST_VARIABLES, freeStackPort, imageLabel, stackLeftovers } from './docker-stack.js';
import { freePort } from './free-port.js';
import { type LocalRegistry, publishedVersions, startVerdaccio } from './verdaccio.js';

// The packages as a user gets them: published with the normal publish command to a real registry
// (Verdaccio on loopback), installed with plain npm into a project outside the workspace, and used
// from Node (ESM and CommonJS), from TypeScript (create-vite's react-ts settings and NodeNext), from
// a Vite + React app in Chromium, and through `npx relaybox`.

/** Folder → the name it publishes as: every package of the workspace that is not private. */
const PUBLISHED = {
  'sdk/protocol': '@relaybox/protocol',
  'sdk/client': '@relaybox/client',
  'sdk/rest': '@relaybox/rest',
  'sdk/react': '@relaybox/react',
  'platform/cli': 'relaybox',
};
const PNPM = manifestOf('.').packageManager!;

const temps: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `rb-registry-${name}-`));
  temps.push(dir);
  return dir;
};

let registry: LocalRegistry;
let project: string;
let stack: Service;
let origin: string;
const apiKey = `dev.default:${testName('registry-secret')}`;
const env = (extra: Record<string, string> = {}) =>
  consumerEnv(registry.url, { RELAYBOX_ORIGIN: origin, RELAYBOX_API_KEY: apiKey, ...extra });

/**
 * The workspace's environment for `pnpm publish`, minus the npm settings `npm test` exports to its
 * scripts (`npm_config_userconfig` and the like would win over the registry's token file).
 */
function publishEnv(npmrc: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
  return { ...env, NPM_CONFIG_USERCONFIG: npmrc };
}

beforeAll(async () => {
  registry = await startVerdaccio(tempDir('verdaccio'));
  await runOk('npx', ['-y', PNPM, '-r', 'publish', '--registry', registry.url, '--no-git-checks'], {
    cwd: WORKSPACE,
    env: publishEnv(registry.npmrc),
    timeoutMs: 300_000,
  });
  const ours = Object.fromEntries(
    Object.entries(PUBLISHED).map(([folder, name]) => [name, `^${manifestOf(folder).version}`]),
  );
  project = tempDir('project');
  await installConsumerProject(project, registry.url, ours);
  const port = await freePort();
  stack = await startService('npx', ['relaybox', 'up', '--port', String(port), '--no-open'], {
    cwd: project,
    env: env({ RELAYBOX_DEV_API_KEY: apiKey }),
    ready: /RelayBox is up \(embedded engine\)/,
    timeoutMs: 90_000,
  });
  origin = `http://localhost:${port}`;
  expect(stack.output()).toContain(`Origin     ${origin}`);
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await registry?.service.stop();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('packages published to a registry and installed with npm outside the workspace', () => {
  it('publishes every public workspace package, and npm installs exactly what was published', async () => {
    const publicFolders = workspaceFolders().filter((folder) => !manifestOf(folder).private);
    expect(publicFolders.sort()).toEqual(Object.keys(PUBLISHED).sort());
    for (const [folder, name] of Object.entries(PUBLISHED)) {
      const manifest = manifestOf(folder);
      expect(manifest.name).toBe(name);
      expect(await publishedVersions(registry.url, name), name).toEqual([manifest.version]);
      const dir = join(project, 'node_modules', name);
      const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(installed.version).toBe(manifest.version);
      expect(JSON.stringify(installed)).not.toContain('workspace:');
      // Built files, the manifest, README and LICENSE (and the changelog after a release): no sources, no tests.
      const files = readdirSync(dir).filter((file) => file !== 'CHANGELOG.md');
      expect(files.sort(), name).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
    }
    // Byte for byte the files this workspace built (the registry never proxies @relaybox/* or relaybox).
    for (const file of [
      'sdk/client/dist/index.js',
      'sdk/rest/dist/index.cjs',
      'sdk/react/dist/index.js',
      'platform/cli/dist/relaybox.mjs',
    ]) {
      const [folder, rest] = [file.split('/dist/')[0]!, file.split('/dist/')[1]!];
      const name = PUBLISHED[folder as keyof typeof PUBLISHED];
      expect(
        readFileSync(join(project, 'node_modules', name, 'dist', rest)).equals(
          readFileSync(join(WORKSPACE, file)),
        ),
        file,
      ).toBe(true);
    }
  });

  it('`npx relaybox --version` prints the version; `up` keeps its data in the project', {
    timeout: 60_000,
  }, async () => {
    const version = await runOk('npx', ['relaybox', '--version'], { cwd: project, env: env() });
    expect(version.trim()).toBe(manifestOf('platform/cli').version);
    expect(existsSync(join(project, '.relaybox', 'stack.json'))).toBe(true);
    const status = await run('npx', ['relaybox', 'status'], { cwd: project, env: env() });
    expect(status.output).toMatch(/embedded stack: running/);
    expect(status.code).toBe(0);
  });

  it.each([
    ['ESM', 'esm-check.mjs', 'esm-user'],
    ['CommonJS', 'cjs-check.cjs', 'cjs-user'],
  ])(
    'a Node %s script connects, joins, publishes and receives; @relaybox/react renders on the server',
    { timeout: 60_000 },
    async (_, script, clientId) => {
      const room = `pkg:${testName(clientId)}`;
      const output = await runOk('node', [script], {
        cwd: project,
        env: env({ ROOM: room }),
        timeoutMs: 60_000,
      });
      const result = JSON.parse(output.trim().split('\n').at(-1)!);
      expect(result.clientId).toBe(clientId);
      expect(result.ackSeq).toBe(1);
      expect(result.received).toEqual([
        { seq: 1, data: { text: `from ${script.startsWith('esm') ? 'esm' : 'cjs'}` }, clientId },
        { seq: 2, data: { text: 'from the backend' }, clientId: expect.any(String) },
      ]);
      expect(result.ssr).toBe('<p>initialized</p>');
      if (script.endsWith('.cjs'))
        expect(result.error).toEqual({ isRelayBoxError: true, code: 'invalid_room_name' });
    },
  );

  it.each([
    ["create-vite's react-ts settings", 'tsconfig.app.json'],
    ['NodeNext, library types checked', 'tsconfig.node-next.json'],
  ])('tsc --noEmit under %s reports no error', { timeout: 150_000 }, async (_, tsconfig) => {
    const result = await run('npx', ['tsc', '--noEmit', '-p', tsconfig], {
      cwd: project,
      env: env(),
      timeoutMs: 120_000,
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  describe('a Vite + React app', () => {
    let browser: Browser | undefined;
    afterAll(() => browser?.close());

    it('on @relaybox/react builds, runs in Chromium and shows a message published with @relaybox/rest', {
      timeout: 180_000,
    }, async () => {
      await runOk('npx', ['vite', 'build', '--logLevel', 'warn'], {
        cwd: project,
        env: env(),
        timeoutMs: 120_000,
      });
      const site = await serveStatic(join(project, 'dist'));
      try {
        const room = `pkg:${testName('react')}`;
        const token = (
          await runOk('node', ['token.mjs', 'browser-user'], { cwd: project, env: env() })
        ).trim();
        const ws = `${origin.replace(/^http/, 'ws')}/v1/ws`;
        browser = await launchChromium();
        const page = await browser.newPage();
        await page.goto(`${site.origin}/?${new URLSearchParams({ ws, token, room })}`);
        // StrictMode mounts twice: one join, one presence member (this connection), never two.
        await page
          .getByTestId('room')
          .filter({ hasText: `joined ${room}` })
          .waitFor({ timeout: 30_000 });
        await page.getByTestId('members').filter({ hasText: '1 online' }).waitFor({ timeout: 30_000 });
        expect(await page.getByTestId('state').textContent()).toBe('connected');
        const text = `hello from the backend ${testName('text')}`;
        await runOk('node', ['publish.mjs', room, 'note', text], { cwd: project, env: env() });
        await page.getByText(text).waitFor({ timeout: 30_000 });
        await page.getByRole('button', { name: 'Say hi' }).click();
        await page.getByText('hi from the browser').waitFor({ timeout: 30_000 });
        expect(await page.getByRole('listitem').allTextContents()).toEqual([text, 'hi from the browser']);
        await screenshot(page, 'registry-react-app');
      } finally {
        await new Promise((resolve) => site.server.close(resolve));
      }
    });
  });

  describe('the docker engine of the installed CLI', () => {
    const dockerStack = testName('rbreg');
    // Host networking (this dockerd runs with --bridge=none), local base images, a data dir of its own.
    const dockerEnv = () =>
      env({
        ...DOCKER_TEST_VARIABLES,
        RELAYBOX_DOCKER_NETWORK: 'host',
        RELAYBOX_STACK: dockerStack,
        RELAYBOX_DATA_DIR: join(project, '.relaybox-docker'),
        RELAYBOX_DEV_API_KEY: apiKey,
      });
    let up: Service | undefined;
    afterAll(async () => {
      await up?.stop();
      // Whatever a failed run left: containers, network and volumes of this stack only.
      if (project)
        await run('npx', ['relaybox', 'down', '--engine', 'docker', '--volumes'], {
          cwd: project,
          env: dockerEnv(),
          timeoutMs: 120_000,
        });
    }, 180_000);

    it('`npx relaybox up --engine docker` builds from what the package carries, delivers, and `down --volumes` removes it all', {
      timeout: 600_000,
    }, async () => {
      const carried = join(project, 'node_modules', 'relaybox', 'dist', 'stack');
      const bundleId = /RELAYBOX_BUNDLE: (\w+)/.exec(
        readFileSync(join(carried, 'compose.yaml'), 'utf8'),
      )?.[1];
      expect(bundleId).toMatch(/^[0-9a-f]{32}$/);
      const port = await freeStackPort();
      up = await startService(
        'npx',
        ['relaybox', 'up', '--engine', 'docker', '--port', String(port), '--gateways', '1', '--no-open'],
        { cwd: project, env: dockerEnv(), ready: /RelayBox is up \(docker engine\)/, timeoutMs: 480_000 },
      );
      expect(up.output()).toContain(`Origin     http://localhost:${port}`);
      // Built from the carried folder: the image is labelled with the installed bundle's id.
      expect(imageLabel(DOCKER_TEST_VARIABLES.RELAYBOX_PLATFORM_IMAGE, 'dev.relaybox.bundle')).toBe(bundleId);
      expect(stackLeftovers(dockerStack).containers.sort()).toEqual(
        ['gateway-1', 'nginx', 'rabbitmq', 'redis', 'worker'].map((name) => `${dockerStack}-${name}`),
      );

      // @relaybox/client subscribes through nginx; @relaybox/rest publishes; both arrive in order.
      const room = `pkg:${testName('docker')}`;
      const output = await runOk('node', ['esm-check.mjs'], {
        cwd: project,
        env: env({ RELAYBOX_ORIGIN: `http://127.0.0.1:${port}`, ROOM: room }),
        timeoutMs: 60_000,
      });
      const result = JSON.parse(output.trim().split('\n').at(-1)!);
      expect(result.received).toEqual([
        { seq: 1, data: { text: 'from esm' }, clientId: 'esm-user' },
        { seq: 2, data: { text: 'from the backend' }, clientId: expect.any(String) },
      ]);
      expect(await runOk('npx', ['relaybox', 'status'], { cwd: project, env: dockerEnv() })).toMatch(
        /docker stack: running/,
      );

      await runOk('npx', ['relaybox', 'down', '--volumes'], {
        cwd: project,
        env: dockerEnv(),
        timeoutMs: 120_000,
      });
      expect(await up.exited).toBe(0);
      expect(stackLeftovers(dockerStack)).toEqual({ containers: [], networks: [], volumes: [] });
    });

    it('refuses a base image the package carries no uWebSockets.js build for, naming it, and leaves nothing', {
      timeout: 300_000,
    }, async () => {
      const refused = await run(
        'npx',
        ['relaybox', 'up', '--engine', 'docker', '--port', String(await freeStackPort()), '--no-open'],
        {
          cwd: project,
          // Node.js 20 on Debian 12: the carried builds are for Node.js 24 on glibc >= 2.38.
          env: { ...dockerEnv(), NODE_IMAGE: 'relaybox-test/node:20' },
          timeoutMs: 240_000,
        },
      );
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/image_build_failed/);
      expect(refused.output).toMatch(
        /no uws_linux_\w+_115\.node: this RelayBox bundle carries uWebSockets\.js for Node\.js 24/,
      );
      expect(stackLeftovers(dockerStack).containers).toEqual([]);
    });
  });
});
