import type * as Uws from 'uWebSockets.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { binaryName, currentRuntime, type Runtime, selectUwsBuild, type UwsBuild } from './uws-builds.js';

export type UwsModule = typeof Uws;

/** The loaded module and the build it came from (logged at start). */
export interface LoadedUws {
  uws: UwsModule;
  build: UwsBuild;
  binary: string;
}

const requireHere = createRequire(import.meta.url);

/** The installed root of a build's package, or undefined when it is not installed. */
export function uwsPackageRoot(build: UwsBuild): string | undefined {
  try {
    const entry = requireHere.resolve(build.alias);
    return entry.slice(0, entry.length - build.entry.length);
  } catch {
    return undefined;
  }
}

export function uwsBinaryPath(build: UwsBuild, runtime: Runtime): string | undefined {
  const root = uwsPackageRoot(build);
  return root === undefined ? undefined : join(root, build.binaries, binaryName(runtime));
}

/**
 * Loads the uWebSockets.js build that matches this Node.js ABI and C library, by requiring its
 * native binary directly: the packages' own loaders are bypassed because one of them silently
 * falls back to a pure-JS `ws` shim (many times slower) when its binary does not load. When no
 * build matches, throws `UnsupportedRuntimeError` naming the supported Node.js/glibc combinations.
 */
export function loadUws(runtime: Runtime = currentRuntime()): LoadedUws {
  const build = selectUwsBuild(runtime, (b) => {
    const path = uwsBinaryPath(b, runtime);
    return path !== undefined && existsSync(path);
  });
  const binary = uwsBinaryPath(build, runtime) as string;
  const uws = requireHere(binary) as UwsModule;
  assertNativeUws(uws, binary);
  return { uws, build, binary };
}

/** A last check on what was loaded: `App` must be native code, never a JavaScript shim. */
export function assertNativeUws(uws: UwsModule, from: string): void {
  const native =
    typeof uws.App === 'function' && /\[native code\]/.test(Function.prototype.toString.call(uws.App));
  if (!native)
    throw new Error(
      `${from} did not provide a native uWebSockets.js App; refusing to start on a JavaScript shim`,
    );
}
