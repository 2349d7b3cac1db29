#!/usr/bin/env node
// Entry point of `npm start` and `npm test` (and their pnpm equivalents). It makes the two
// Quick start commands work on a fresh machine with only Node 20: it installs the workspace with
// the pinned pnpm when node_modules is missing or older than the lockfile, then runs the task.
// `test` first checks the machine (preflight.mjs: services, Chromium, Docker and its images),
// installing and starting what it can, and stops before running anything if something is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureConsoleBuilt } from './build-console.mjs';
import { formatMissing, preflight, systemProbe } from './preflight.mjs';
import { testRequirements } from './test-requirements.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@12.4.2';
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log(`Installing dependencies with ${PNPM} (first run)...`);
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  const status = run('npx', ['-y', PNPM, 'install', '--frozen-lockfile'], { env });
  if (status !== 0) process.exit(status);
}

/** Prints the totals; returns how many tests were skipped (-1 without a report). */
function summarize(file) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    console.log(
      `\nvitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
    );
    return skipped;
  } catch {
    console.log('\nvitest: no report written');
    return -1;
  }
}

/** Everything the tests need from the machine, or a list of what is missing and exit 1. */
async function ensureMachineReady() {
  const started = Date.now();
  console.log('== preflight');
  const probe = systemProbe();
  const missing = await preflight(testRequirements(root), probe);
  if (missing.length > 0) {
    console.error(formatMissing(missing, probe));
    process.exit(1);
  }
  console.log(
    `Redis, RabbitMQ, PostgreSQL, Chromium, the Docker engine and its base images are ready (${Date.now() - started} ms)`,
  );
}

const [task = 'test', ...rest] = process.argv.slice(2);
if (task === 'test') await ensureMachineReady();
ensureInstalled();

if (task === 'start') {
  // The gateway serves the console at /console; a failed build only leaves that page unavailable.
  if (ensureConsoleBuilt() !== 0)
    console.warn('The console could not be built; /console will not be served.');
  // `relaybox up` in the foreground. Ctrl-C reaches it directly (same process group): this parent
  // only waits for it to stop its stack, and passes a SIGTERM on.
  const child = spawn(process.execPath, ['platform/cli/bin/relaybox.mjs', 'up', ...rest], {
    cwd: root,
    stdio: 'inherit',
  });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (task === 'test') {
  const steps = [
    ['typecheck', bin('tsc'), ['-p', 'tsconfig.json']],
    ['lint', bin('biome'), ['check', '.']],
    // The size budget of the browser SDKs (.size-limit.json): min+gzip, measured from the sources.
    ['size', bin('size-limit'), []],
  ];
  for (const [name, command, args] of steps) {
    console.log(`\n== ${name}`);
    const status = run(command, args);
    if (status !== 0) process.exit(status);
  }
  console.log('\n== vitest');
  mkdirSync(join(root, '.artifacts'), { recursive: true });
  const report = join(root, '.artifacts', 'vitest.json');
  rmSync(report, { force: true }); // the totals printed below are this run's, never a previous one's
  const status = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...rest,
  ]);
  const skipped = summarize(report);
  // A whole run skips nothing: a test that cannot run on this machine is a failure of the run.
  if (status === 0 && rest.length === 0 && skipped > 0) {
    console.error(`${skipped} test(s) skipped: the whole suite must run (see the report above)`);
    process.exit(1);
  }
  process.exit(status);
} else {
  console.error(`unknown task "${task}" (expected start or test)`);
  process.exit(2);
}
