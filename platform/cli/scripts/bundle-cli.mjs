// Bundles the `relaybox` CLI into one self-contained directory that runs with plain
// `node relaybox.mjs ...` (or as the `relaybox` bin) from anywhere, with no tsx and no workspace:
//   relaybox.mjs   platform/cli/src/main.ts (ESM, node20): the CLI with every engine
//   gateway.mjs    platform/gateway/src/main.ts: the process the native engine spawns
//   lua/*.lua      the Redis scripts (the adapters and the auth stores read `./lua/<file>` next to the bundle)
//   console/       the built console (desktop/dist/console) the gateway serves at /console
//   healthcheck.mjs  platform/gateway/src/image-healthcheck.ts: the platform image's HEALTHCHECK
//   stack/         the docker engine's stack, carried so it runs without a checkout
//                  (scripts/carried-stack.mjs: compose.yaml, nginx/, Dockerfile, app/ as its context)
// uWebSockets.js (native builds, see platform/gateway/src/uws/uws-builds.json) stays outside the bundle: the npm package `relaybox` declares them
// as dependencies; the desktop app copies them next to the bundle (desktop/scripts/build-cli.mjs).
// Each bundle's banner points the paths the sources derive from their own location at this
// directory instead (only where the environment does not set them already):
//   RELAYBOX_CONSOLE_DIR   → <dir>/console     (the gateway's default is the checkout's desktop/dist/console)
//   RELAYBOX_GATEWAY_ENTRY → <dir>/gateway.mjs (the native engine's default runs the sources through tsx)
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeCarriedStack } from './carried-stack.mjs';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
export const CONSOLE_DIR = join(repo, 'desktop/dist/console');
/** Every folder of Redis scripts the bundled sources read as `./lua/<file>` next to themselves. */
export const LUA_DIRS = ['platform/adapters/src/redis/lua', 'platform/auth/src/store/lua'];

// Bundled CommonJS dependencies use require/__dirname/__filename; the two environment defaults
// make the bundle find its own console and gateway entry (see the header).
const banner = [
  '#!/usr/bin/env node',
  [
    "import { createRequire as __rbRequire } from 'node:module';",
    "import { fileURLToPath as __rbPath } from 'node:url';",
    'const require = __rbRequire(import.meta.url);',
    'const __filename = __rbPath(import.meta.url);',
    "const __dirname = __rbPath(new URL('.', import.meta.url));",
    "process.env.RELAYBOX_CONSOLE_DIR ||= __rbPath(new URL('./console', import.meta.url));",
    "process.env.RELAYBOX_GATEWAY_ENTRY ||= __rbPath(new URL('./gateway.mjs', import.meta.url));",
  ].join(' '),
].join('\n');

async function bundle(entry, outfile) {
  await build({
    absWorkingDir: repo,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native addons are loaded at runtime (uWebSockets.js and @node-rs/argon2 from node_modules,
    // both dependencies of the `relaybox` package; cpu-features is an optional dependency of ssh2
    // that falls back to JavaScript when missing).
    external: ['uWebSockets.js', 'uWebSockets.js-20.30', '@node-rs/argon2', 'cpu-features', '*.node'],
    banner: { js: banner },
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/** Writes the bundle into `out` (emptied first); returns its carried stack. The console must be built already. */
export async function bundleCli(out) {
  if (!existsSync(join(CONSOLE_DIR, 'index.html')))
    throw new Error(`build the console first (${CONSOLE_DIR} is missing): node scripts/build-console.mjs`);
  rmSync(out, { recursive: true, force: true });
  await Promise.all([
    bundle('platform/cli/src/main.ts', join(out, 'relaybox.mjs')),
    bundle('platform/gateway/src/main.ts', join(out, 'gateway.mjs')),
    bundle('platform/gateway/src/image-healthcheck.ts', join(out, 'healthcheck.mjs')),
  ]);
  // The Redis scripts of the stores and of the auth service's stores: one folder (no name is shared).
  for (const dir of LUA_DIRS) cpSync(join(repo, dir), join(out, 'lua'), { recursive: true });
  cpSync(CONSOLE_DIR, join(out, 'console'), { recursive: true });
  const { version } = JSON.parse(readFileSync(join(repo, 'platform/cli/package.json'), 'utf8'));
  return writeCarriedStack(repo, out, version);
}
