// Bundles the `relaybox` CLI for the packaged desktop app (docs/desktop.md) into desktop/dist/cli,
// a self-contained directory that runs with plain `node relaybox.mjs ...` from anywhere:
//   relaybox.mjs                    platform/cli/src/main.ts (ESM, node20): the CLI with every engine
//   gateway.mjs                     platform/gateway/src/main.ts: the process the native engine spawns
//   lua/*.lua                       the Redis scripts (the adapters read `./lua/<file>` next to the bundle)
//   console/                        the built console (desktop/dist/console) the gateway serves at /console
//   node_modules/<alias>/           each uWebSockets.js build of platform/gateway/src/uws/uws-builds.json:
//                                   its manifest and entry (so the gateway's loader resolves it) and its
//                                   binaries for linux/darwin/win32 x64/arm64 and the Node.js lines it supports
// Each bundle's banner points the paths the sources derive from their own location at this
// directory instead (only where the environment does not set them already):
//   RELAYBOX_CONSOLE_DIR  → <dir>/console     (the gateway's default is the checkout's desktop/dist/console)
//   RELAYBOX_GATEWAY_ENTRY → <dir>/gateway.mjs (the native engine's default runs the sources through tsx)
// Run after the console build (`pnpm --filter @relaybox/desktop build` does both).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const desktop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(desktop, '..');
const out = join(desktop, 'dist/cli');
const UWS_TABLE = join(repo, 'platform/gateway/src/uws/uws-builds.json');
const UWS_TARGETS = ['linux_x64', 'linux_arm64', 'darwin_x64', 'darwin_arm64', 'win32_x64', 'win32_arm64'];

// Bundled CommonJS dependencies use require/__dirname/__filename; the two environment defaults
// make the bundle find its own console and gateway entry (see the header).
const banner = [
  "import { createRequire as __rbRequire } from 'node:module';",
  "import { fileURLToPath as __rbPath } from 'node:url';",
  'const require = __rbRequire(import.meta.url);',
  'const __filename = __rbPath(import.meta.url);',
  "const __dirname = __rbPath(new URL('.', import.meta.url));",
  "process.env.RELAYBOX_CONSOLE_DIR ||= __rbPath(new URL('./console', import.meta.url));",
  "process.env.RELAYBOX_GATEWAY_ENTRY ||= __rbPath(new URL('./gateway.mjs', import.meta.url));",
].join(' ');

async function bundle(entry, outfile) {
  await build({
    absWorkingDir: repo,
    entryPoints: [entry],
    outfile: join(out, outfile),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native addons are loaded at runtime (uWebSockets.js from ./node_modules; cpu-features is an
    // optional dependency of ssh2 that falls back to JavaScript when missing).
    external: ['uWebSockets.js', 'uWebSockets.js-20.30', 'cpu-features', '*.node'],
    banner: { js: banner },
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/**
 * Every uWebSockets.js build the gateway can select, with the binaries of the desktop platforms. The
 * packages' own loaders (one falls back to a slow JS shim) are never run: the gateway requires the
 * binary itself and, when none matches the Node.js running it, refuses to start naming what works.
 */
function copyUws() {
  const fromGateway = createRequire(join(repo, 'platform/gateway/package.json'));
  const copied = [];
  for (const build of JSON.parse(readFileSync(UWS_TABLE, 'utf8')).builds) {
    const entry = fromGateway.resolve(build.alias);
    const root = entry.slice(0, entry.length - build.entry.length);
    const target = join(out, 'node_modules', build.alias);
    const files = ['package.json', build.entry];
    for (const abi of Object.values(build.nodeAbis))
      for (const t of UWS_TARGETS) {
        const binary = join(build.binaries, `uws_${t}_${abi}.node`);
        if (existsSync(join(root, binary))) files.push(binary);
      }
    for (const file of files) {
      mkdirSync(dirname(join(target, file)), { recursive: true });
      cpSync(join(root, file), join(target, file));
    }
    copied.push(`${build.alias} (${files.length - 2} binaries)`);
  }
  return copied;
}

export async function buildCli() {
  const consoleDir = join(desktop, 'dist/console');
  if (!existsSync(join(consoleDir, 'index.html')))
    throw new Error(
      `build the console first (${consoleDir} is missing): pnpm --filter @relaybox/desktop build`,
    );
  rmSync(out, { recursive: true, force: true });
  await Promise.all([
    bundle('platform/cli/src/main.ts', 'relaybox.mjs'),
    bundle('platform/gateway/src/main.ts', 'gateway.mjs'),
  ]);
  cpSync(join(repo, 'platform/adapters/src/redis/lua'), join(out, 'lua'), { recursive: true });
  cpSync(consoleDir, join(out, 'console'), { recursive: true });
  const binaries = copyUws();
  console.log(
    `built ${out} (relaybox.mjs, gateway.mjs, lua/, console/, uWebSockets.js: ${binaries.join(', ')})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
