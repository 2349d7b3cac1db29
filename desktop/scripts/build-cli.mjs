// Bundles the `relaybox` CLI for the packaged desktop app (docs/desktop.md) into desktop/dist/cli:
// the bundle of the npm package `relaybox` (platform/cli/scripts/bundle-cli.mjs: relaybox.mjs,
// gateway.mjs, lua/, console/) plus, since the app has no npm install step:
//   node_modules/uWebSockets.js/    its loader + the Node 20 (ABI 115) binaries of linux/darwin/win32 x64/arm64
// Run after the console build (`pnpm --filter @relaybox/desktop build` does both).
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../../platform/cli/scripts/bundle-cli.mjs';

const desktop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(desktop, '..');
const out = join(desktop, 'dist/cli');
/** Node 20's module ABI: the uWebSockets.js binaries the bundle ships are built for it only. */
const NODE20_ABI = 115;
const UWS_TARGETS = ['linux_x64', 'linux_arm64', 'darwin_x64', 'darwin_arm64', 'win32_x64', 'win32_arm64'];

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
  await bundleCli(out);
  const binaries = copyUws();
  console.log(
    `built ${out} (relaybox.mjs, gateway.mjs, lua/, console/, uWebSockets.js: ${binaries.join(', ')})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
