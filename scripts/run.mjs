#!/usr/bin/env node
// Entry point of `npm start` and `npm test` (and their pnpm equivalents). It makes the two
// Quick start commands work on a fresh machine with only Node 20: it installs the workspace with
// the pinned pnpm when node_modules is missing or older than the lockfile, then runs the task.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureConsoleBuilt } from './build-console.mjs';

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

function summarize(file) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    console.log(
      `\nvitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
    );
  } catch {
    console.log('\nvitest: no report written');
  }
}

const [task = 'test', ...rest] = process.argv.slice(2);
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
  const status = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...rest,
  ]);
  summarize(report);
  process.exit(status);
} else {
  console.error(`unknown task "${task}" (expected start or test)`);
  process.exit(2);
}
