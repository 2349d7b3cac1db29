// Bundles the Electron main process and the preload with esbuild:
//   desktop/src/main/main.ts       → desktop/dist/main/main.js (ESM, Node 22 of Electron 45)
//   desktop/src/preload/preload.ts → desktop/dist/preload/preload.cjs (CJS: sandboxed preloads cannot load ESM)
// `electron` is provided by the runtime. The main process never loads a native addon: it runs the
// docker engine itself (orchestrator + Dockerode, plain JavaScript; the gateways run in containers),
// and the embedded and native engines in the CLI child, bundled with its uWebSockets.js by
// scripts/build-cli.mjs; the optional addons of bundled dependencies (ssh2's cpu-features and
// crypto binding) stay external and absent.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// @node-rs/argon2 (the auth service's password hashing, reached through the orchestrator's
// embedded engine) is imported only when a password is hashed, which the main process never does.
const NATIVE = ['uWebSockets.js', '@node-rs/argon2', 'cpu-features', '*.node'];

// Earlier builds copied uWebSockets.js and ws to dist/node_modules for a bundled CLI; the CLI
// bundle (dist/cli) now carries its own, so drop a stale copy rather than pack it.
rmSync(join(root, 'dist/node_modules'), { recursive: true, force: true });

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
