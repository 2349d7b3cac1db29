// Bundles the `relaybox` CLI for the packaged desktop app (docs/desktop.md) into desktop/dist/cli,
// a self-contained directory that runs with plain `node relaybox.mjs ...` from anywhere:
//   relaybox.mjs                    platform/cli/src/main.ts (ESM, node20): the CLI with every engine
//   gateway.mjs                     platform/gateway/src/main.ts: the process the native engine spawns
//   lua/*.lua                       the Redis scripts (the adapters read `./lua/<file>` next to the bundle)
//   console/                        the built console (desktop/dist/console) the gateway serves at /console
//   node_modules/uWebSockets.js/    its loader + the Node 20 (ABI 115) binaries of linux/darwin/win32 x64/arm64
// Each bundle's banner points the paths the sources derive from their own location at this
// directory instead (only where the environment does not set them already):
//   RELAYBOX_CONSOLE_DIR  → <dir>/console     (the gateway's default is the checkout's desktop/dist/console)
//   RELAYBOX_GATEWAY_ENTRY → <dir>/gateway.mjs (the native engine's default runs the sources through tsx)
// Run after the console build (`pnpm --filter @relaybox/desktop build` does both).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const desktop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(desktop, '..');
const out = join(desktop, 'dist/cli');
/** Node 20's module ABI: the uWebSockets.js binaries the bundle ships are built for it only. */
const NODE20_ABI = 115;
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
    external: ['uWebSockets.js', 'cpu-features', '*.node'],
    banner: { js: banner },
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/** The uWebSockets.js loader and the Node 20 binaries of the desktop platforms (no JS fallback: the gateway refuses it). */
function copyUws() {
  const fromGateway = createRequire(join(repo, 'platform/gateway/package.json'));
  const uwsDir = dirname(fromGateway.resolve('uWebSockets.js/package.json'));
  const target = join(out, 'node_modules/uWebSockets.js');
  mkdirSync(join(target, 'src'), { recursive: true });
  mkdirSync(join(target, 'binaries'), { recursive: true });
  for (const file of ['package.json', 'LICENSE', 'src/uws.js'])
    cpSync(join(uwsDir, file), join(target, file));
  const wanted = new Set(UWS_TARGETS.map((t) => `uws_${t}_${NODE20_ABI}.node`));
  const binaries = readdirSync(join(uwsDir, 'binaries')).filter((name) => wanted.has(name));
  if (binaries.length === 0) throw new Error(`no uWebSockets.js binaries for ABI ${NODE20_ABI} in ${uwsDir}`);
  for (const name of binaries) cpSync(join(uwsDir, 'binaries', name), join(target, 'binaries', name));
  // The loader falls back to ../dist/index (a slow JS shim the gateway refuses anyway) when no
  // binary matches this Node.js: in its place, an error that says what to install.
  mkdirSync(join(target, 'dist'), { recursive: true });
  writeFileSync(join(target, 'dist/index.js'), fallbackStub(binaries));
  return binaries;
}

function fallbackStub(binaries) {
  const shipped = binaries.map((name) => name.replace(/^uws_|\.node$/g, '')).join(', ');
  const before = `the RelayBox CLI bundle ships uWebSockets.js binaries for Node.js 20 (ABI ${NODE20_ABI}) only (${shipped}); this is `;
  const after =
    '. Install Node.js 20 LTS and point RELAYBOX_NODE (or "nodePath" in settings.json) at it, and leave UWS_USE_FALLBACK unset.';
  return [
    "// Stands in for uWebSockets.js's JavaScript fallback (not shipped): see desktop/scripts/build-cli.mjs.",
    "const found = 'Node.js ' + process.version + ' (' + process.platform + '_' + process.arch + ', ABI ' + process.versions.modules + ')';",
    `throw new Error(${JSON.stringify(before)} + found + ${JSON.stringify(after)});`,
    '',
  ].join('\n');
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
