// Types of carried-stack.mjs (plain JavaScript: the build scripts run with plain node).
export const UWS_ARCHES: readonly string[];
export function carriedCompose(composeText: string, options: { bundleId: string; version: string }): string;
export function defaultNodeMajor(platformDockerfile: string): string;
export function carriedDockerfile(platformDockerfile: string, carried: string, argon2?: string): string;
export function copyLinuxUws(repo: string, appDir: string, major: string): string[];
export function treeHash(dir: string): string;
export function writeCarriedStack(
  repo: string,
  out: string,
  version: string,
): { dir: string; bundleId: string; carried: string };
