// Resolve/load hooks registered by electron-stand-in-hooks.mjs. `electron` is the stand-in; a module
// inside `*.asar` (the packaged app's main bundle) is read from the archive, as Electron's loader does.
// Only ES modules are served from an archive: the main bundle is one (desktop/scripts/build-main.mjs).
import { fileURLToPath } from 'node:url';
import { readAsarFile, splitAsarPath } from './asar-reader.mjs';

const STAND_IN = new URL('./electron-stand-in.mjs', import.meta.url).href;

function inArchive(url) {
  if (!url.startsWith('file:')) return undefined;
  const split = splitAsarPath(fileURLToPath(url));
  return split?.[1] ? split : undefined;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: STAND_IN, shortCircuit: true };
  if (/^(file:|\/|\.\.?\/)/.test(specifier)) {
    const url = new URL(specifier, context.parentURL ?? 'file:///').href;
    // Node's resolver stats the file, which does not exist outside the archive.
    if (inArchive(url)) return { url, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  const split = inArchive(url);
  if (!split) return next(url, context);
  if (!/\.m?js$/.test(split[1]))
    throw new Error(`the Electron stand-in loads only ES modules from an asar archive, not ${url}`);
  return { format: 'module', source: readAsarFile(split[0], split[1]), shortCircuit: true };
}
