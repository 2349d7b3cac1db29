// Copies the uWebSockets.js build this Node.js would load (package.json, the entry file the loader
// resolves, and this platform's binary only) into <outDir>/node_modules/<alias>/, for an image whose
// bundle keeps uWebSockets.js external. Run with the image's own Node.js (platform/Dockerfile):
//   node --import tsx platform/gateway/src/uws/vendor-uws.ts /out
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadUws, uwsPackageRoot } from './load-uws.js';
import type { UwsBuild } from './uws-builds.js';

export function vendorUws(outDir: string): { build: UwsBuild; files: string[] } {
  const { build, binary } = loadUws();
  const root = uwsPackageRoot(build) as string;
  const target = join(outDir, 'node_modules', build.alias);
  const files = ['package.json', build.entry, binary.slice(root.length)];
  for (const file of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(join(root, file), join(target, file));
  }
  return { build, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: vendor-uws.ts <outDir>');
  const { build, files } = vendorUws(out);
  process.stdout.write(`vendored uWS ${build.version} as ${build.alias}: ${files.join(', ')}\n`);
}
