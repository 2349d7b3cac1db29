// @node-rs/argon2 (the auth service's password hashing, platform/auth/src/passwords.ts) for a bundle
// that runs without an npm install: the desktop app's CLI (desktop/scripts/build-cli.mjs) and the
// docker build context the relaybox package carries (carried-stack.mjs). The bundles keep the module
// external; without it beside them every password sign-up and sign-in fails.
// napi-rs splits it into a loader (`@node-rs/argon2`) and one package per platform
// (`@node-rs/argon2-<platform>`, an optional dependency): only the platform packages the package
// manager installed on this machine can be copied (pnpm installs the current platform's unless
// `supportedArchitectures` in pnpm-workspace.yaml asks for more).
import { cpSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The installed `@node-rs` folder that holds the loader and, as siblings, its platform packages. */
function argon2Scope(repo) {
  const fromAuth = createRequire(join(repo, 'platform/auth/package.json'));
  return dirname(dirname(fromAuth.resolve('@node-rs/argon2/package.json')));
}

/**
 * Copies the loader and each installed platform package whose name `accept`s (`linux-x64-gnu`...)
 * into `<target>/argon2` and `<target>/argon2-<platform>` (symlinks followed). Returns the platforms
 * copied; throws when none is accepted.
 */
export function copyArgon2(repo, target, accept = () => true) {
  const scope = argon2Scope(repo);
  const platforms = readdirSync(scope)
    .filter((name) => name.startsWith('argon2-'))
    .map((name) => name.slice('argon2-'.length))
    .filter(accept);
  if (platforms.length === 0) throw new Error(`no @node-rs/argon2 platform package to carry in ${scope}`);
  for (const name of ['argon2', ...platforms.map((p) => `argon2-${p}`)])
    cpSync(join(scope, name), join(target, name), { recursive: true, dereference: true });
  return platforms;
}
