// Bundles the `relaybox` CLI for the packaged desktop app (docs/desktop.md) into desktop/dist/cli:
// the bundle of the npm package `relaybox` (platform/cli/scripts/bundle-cli.mjs: relaybox.mjs,
// gateway.mjs, lua/, console/) plus, since the app has no npm install step:
//   node_modules/<alias>/   each uWebSockets.js build of platform/gateway/src/uws/uws-builds.json:
//                           its manifest and entry (so the gateway's loader resolves it) and its
//                           binaries for linux/darwin/win32 x64/arm64 and the Node.js lines it supports
//   node_modules/@node-rs/  @node-rs/argon2 (the auth service's password hashing) with every platform
//                           package installed on the building machine (platform/cli/scripts/native-argon2.mjs)
// Run after the console build (`pnpm --filter @relaybox/desktop build` does both).
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../../platform/cli/scripts/bundle-cli.mjs';
import { copyArgon2 } from '../../platform/cli/scripts/native-argon2.mjs';

const desktop = fileURLToPath(new URL('..', import.meta.url));
const repo = join(desktop, '..');
const out = join(desktop, 'dist/cli');
const UWS_TABLE = join(repo, 'platform/gateway/src/uws/uws-builds.json');
const UWS_TARGETS = ['linux_x64', 'linux_arm64', 'darwin_x64', 'darwin_arm64', 'win32_x64', 'win32_arm64'];

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
  await bundleCli(out);
  const builds = copyUws();
  const argon2 = copyArgon2(repo, join(out, 'node_modules', '@node-rs'));
  console.log(
    `built ${out} (relaybox.mjs, gateway.mjs, lua/, console/, uWebSockets.js: ${builds.join(', ')}; argon2: ${argon2.join(', ')})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
