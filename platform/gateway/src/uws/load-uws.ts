import type * as Uws from 'uWebSockets.js';
import { createRequire } from 'node:module';

export type UwsModule = typeof Uws;

/**
 * Loads uWebSockets.js and refuses to go on when its native binary did not load. The package we
 * install silently falls back to a pure-JS `ws` shim that is many times slower; running a gateway
 * on it would hide the problem until production load, so the gateway does not start at all.
 */
export function loadUws(): UwsModule {
  const require = createRequire(import.meta.url);
  const uws = require('uWebSockets.js') as UwsModule;
  assertNativeUws(uws);
  return uws;
}

export function assertNativeUws(uws: UwsModule): void {
  const native =
    typeof uws.App === 'function' && /\[native code\]/.test(Function.prototype.toString.call(uws.App));
  if (!native) {
    throw new Error(
      `uWebSockets.js native binary did not load for node ${process.version} (${process.platform}-${process.arch}, ` +
        `ABI ${process.versions.modules}); refusing to start on the slow JavaScript fallback. ` +
        'Use a Node.js version the installed uWebSockets.js ships a binary for, or unset UWS_USE_FALLBACK.',
    );
  }
}
