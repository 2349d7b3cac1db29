// Types of native-argon2.mjs (plain JavaScript: the build scripts run with plain node).
export function copyArgon2(repo: string, target: string, accept?: (platform: string) => boolean): string[];
