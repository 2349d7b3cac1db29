#!/usr/bin/env node
// Builds the live console (desktop/src/renderer → desktop/dist/console) with Vite, unless the
// build is already newer than every source it is made from. Used by `npm start` (scripts/run.mjs)
// and by the console's browser tests; `--force` always rebuilds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const desktop = join(root, 'desktop');
const output = join(desktop, 'dist', 'console', 'index.html');
const SOURCES = [
  join(desktop, 'src', 'renderer'),
  join(desktop, 'vite.config.ts'),
  join(desktop, 'package.json'),
];

/** Newest modification time under `path` (a file or a directory tree); 0 when missing. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export function consoleIsFresh() {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return SOURCES.every((source) => newest(source) <= built);
}

/** Builds when stale; returns the process exit status (0 = built or already fresh). */
export function ensureConsoleBuilt({ force = false, quiet = false } = {}) {
  if (!force && consoleIsFresh()) return 0;
  const vite = join(desktop, 'node_modules', '.bin', 'vite');
  if (!existsSync(vite)) {
    console.error('build-console: vite is not installed in desktop/node_modules (run pnpm install)');
    return 1;
  }
  if (!quiet) console.log('Building the console (desktop/dist/console)...');
  const result = spawnSync(
    vite,
    ['build', '--config', 'vite.config.ts', '--logLevel', quiet ? 'error' : 'warn'],
    {
      cwd: desktop,
      stdio: 'inherit',
    },
  );
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(ensureConsoleBuilt({ force: process.argv.includes('--force') }));
}
