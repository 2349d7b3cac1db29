import table from './uws-builds.json' with { type: 'json' };

/**
 * One native uWebSockets.js build installed through an npm alias (platform/gateway/package.json).
 * Both builds predate the upstream fix of the async-upgrade cork bug (uNetworking/uWebSockets#1929,
 * merged 2026-07-07, first in uWebSockets v20.79.0; @btc-vision/uwebsockets.js 20.57.0 was published
 * 2026-04-03), so `websocket-route.ts` keeps its workaround for every build.
 */
export interface UwsBuild {
  /** The dependency name the build is installed under. */
  alias: string;
  version: string;
  /** The package's `main`, relative to its root (resolved to find the root; never executed). */
  entry: string;
  /** The folder of `uws_<platform>_<arch>_<abi>.node`, relative to the package root. */
  binaries: string;
  /** The oldest glibc its Linux binaries run on (they are built against glibc, never musl). */
  minGlibc: string;
  /** Node.js major → module ABI (`process.versions.modules`) this build ships binaries for. */
  nodeAbis: Readonly<Record<string, string>>;
  /**
   * Whether async upgrades need the `CorkAnchor` (cork-anchor.ts): 20.57 drops connections right after
   * `open` even when nothing is written there; 20.30 mostly when `open` writes, which the route avoids,
   * and rarely without (docs/runtime.md). The anchor stalls sends on 20.30: keep it off there.
   */
  corkAnchor: boolean;
}

export const UWS_BUILDS: readonly UwsBuild[] = table.builds as readonly UwsBuild[];

/** What decides which build can load: read once at start by `currentRuntime()`. */
export interface Runtime {
  nodeVersion: string;
  platform: string;
  arch: string;
  /** `process.versions.modules`. */
  abi: string;
  /** The C library's glibc version on Linux; undefined on musl and on other platforms. */
  glibc: string | undefined;
}

export function currentRuntime(): Runtime {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return {
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    abi: process.versions.modules,
    glibc: report?.header?.glibcVersionRuntime,
  };
}

export function binaryName(runtime: Pick<Runtime, 'platform' | 'arch' | 'abi'>): string {
  return `uws_${runtime.platform}_${runtime.arch}_${runtime.abi}.node`;
}

/** Compares dotted versions numerically: `2.38` > `2.9`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Why a build cannot load here, or undefined when it can (its binary presence is checked apart). */
export function mismatch(build: UwsBuild, runtime: Runtime): string | undefined {
  if (!Object.values(build.nodeAbis).includes(runtime.abi))
    return `no binary for ABI ${runtime.abi} (it has Node.js ${Object.keys(build.nodeAbis).join(', ')})`;
  if (runtime.platform !== 'linux') return undefined;
  if (runtime.glibc === undefined) return 'its Linux binaries need glibc (this C library is not glibc)';
  if (!versionAtLeast(runtime.glibc, build.minGlibc))
    return `it needs glibc ${build.minGlibc} or newer (this system has ${runtime.glibc})`;
  return undefined;
}

/** The supported combinations, as the refusal message and docs/runtime.md state them. */
export function supportedCombinations(builds: readonly UwsBuild[] = UWS_BUILDS): string {
  return builds
    .map((b) => `Node.js ${Object.keys(b.nodeAbis).join('/')} with glibc >= ${b.minGlibc} (uWS ${b.version})`)
    .join('; ');
}

export class UnsupportedRuntimeError extends Error {
  readonly code = 'unsupported_runtime';
}

/**
 * The first build (in preference order) that matches the runtime and whose binary `exists`.
 * Throws `UnsupportedRuntimeError` naming every build's reason and the supported combinations.
 */
export function selectUwsBuild(
  runtime: Runtime,
  exists: (build: UwsBuild) => boolean,
  builds: readonly UwsBuild[] = UWS_BUILDS,
): UwsBuild {
  const reasons: string[] = [];
  for (const build of builds) {
    const reason =
      mismatch(build, runtime) ?? (exists(build) ? undefined : `${binaryName(runtime)} is not installed`);
    if (reason === undefined) return build;
    reasons.push(`uWS ${build.version}: ${reason}`);
  }
  const here = `Node.js ${runtime.nodeVersion} (ABI ${runtime.abi}, ${runtime.platform}-${runtime.arch}, ${
    runtime.glibc ? `glibc ${runtime.glibc}` : 'no glibc'
  })`;
  throw new UnsupportedRuntimeError(
    `no native uWebSockets.js build for ${here}; refusing to start (never on the slow JavaScript fallback). ` +
      `${reasons.join('; ')}. Supported: ${supportedCombinations(builds)}.`,
  );
}
