// Bundles the Electron main process and the preload with esbuild:
//   desktop/src/main/main.ts       → desktop/dist/main/main.js (ESM, Node 22 of Electron 45)
//   desktop/src/preload/preload.ts → desktop/dist/preload/preload.cjs (CJS: sandboxed preloads cannot load ESM)
// `electron` is provided by the runtime. Native addons cannot be bundled: they stay external and
// are shipped as node_modules by electron-builder (see docs/desktop.md).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const NATIVE = ['uWebSockets.js', 'cpu-features', '*.node'];

await build({
  absWorkingDir: root,
  entryPoints: ['src/main/main.ts'],
  outfile: 'dist/main/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  external: ['electron', ...NATIVE],
  // Bundled CommonJS dependencies use require(), __dirname and __filename: give the ESM bundle them.
  // (Paths some of them derive from __dirname, e.g. dockerode's gRPC .proto files, point into
  // dist/; see docs/desktop.md on the docker engine.)
  banner: {
    js: [
      "import { createRequire as __rbRequire } from 'node:module';",
      "import { fileURLToPath as __rbPath } from 'node:url';",
      'const require = __rbRequire(import.meta.url);',
      'const __filename = __rbPath(import.meta.url);',
      "const __dirname = __rbPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
  logLevel: 'info',
});

await build({
  absWorkingDir: root,
  entryPoints: ['src/preload/preload.ts'],
  outfile: 'dist/preload/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  logLevel: 'info',
});

// uWebSockets.js is a native addon: ship it beside the bundle (dist/node_modules), where the
// bundle's require() finds it. Only the loader, its binaries and its JS fallback (with `ws`).
const fromGateway = createRequire(join(root, '../platform/gateway/package.json'));
const uwsDir = dirname(fromGateway.resolve('uWebSockets.js/package.json'));
const fromUws = createRequire(join(uwsDir, 'package.json'));
const wsDir = dirname(fromUws.resolve('ws/package.json'));
const modules = join(root, 'dist/node_modules');
rmSync(modules, { recursive: true, force: true });
mkdirSync(modules, { recursive: true });
for (const part of ['package.json', 'LICENSE', 'src', 'binaries', 'dist']) {
  cpSync(join(uwsDir, part), join(modules, 'uWebSockets.js', part), {
    recursive: true,
    dereference: true,
    // Binaries of this platform only: each installer is built on its own OS.
    filter: (src) =>
      !src.endsWith('.node') || (part === 'binaries' && src.includes(`uws_${process.platform}_`)),
  });
}
cpSync(wsDir, join(modules, 'ws'), { recursive: true, dereference: true });
console.log(`copied uWebSockets.js and ws to ${modules}`);
