import { defineConfig } from 'tsup';

/**
 * The one build of every published SDK package: ESM (`dist/index.js`) + CommonJS (`dist/index.cjs`)
 * with their declarations (`.d.ts` / `.d.cts`), from `src/index.ts`. Dependencies stay imports
 * (tsup externalizes `dependencies`/`peerDependencies`), so `@relaybox/protocol` is shared, not copied.
 */
export function sdkBuild({ node = false, entries = [] }: { node?: boolean; entries?: string[] } = {}) {
  return defineConfig({
    // Extra entries are subpath exports (`@relaybox/client/auth`): code they share with the main entry
    // goes into a shared chunk (ESM), so the main entry does not grow.
    entry: ['src/index.ts', ...entries],
    format: ['esm', 'cjs'],
    // A Node-only package (`@relaybox/rest`: node:crypto) compiles against Node's types; the others against none.
    dts: { compilerOptions: { noEmit: false, types: node ? ['node'] : [] } },
    tsconfig: '../tsconfig.build.json',
    target: 'es2022',
    platform: node ? 'node' : 'neutral',
    clean: true,
    treeshake: true,
  });
}
