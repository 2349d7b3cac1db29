// The stack a CLI bundle carries in `<bundle>/stack/` (the `relaybox` package's dist/stack, the
// desktop app's cli/stack), so the docker engine runs where no checkout exists. The orchestrator
// finds it beside the bundle (defaultStackDir in platform/orchestrator/src/stack-definition.ts).
//   compose.yaml  compose/compose.yaml, with the platform build pointed at this folder, the image
//                 tagged with the package version and a RELAYBOX_BUNDLE build argument (a hash of
//                 what the image is built from: a changed bundle is never taken for the built image)
//   nginx/        compose/nginx (bind-mounted into the nginx container)
//   Dockerfile    a build stage that takes the already-built platform from app/, then the runtime
//                 stage of platform/Dockerfile, verbatim (one definition of the image)
//   app/          relaybox.mjs (the gateway/worker bundle), healthcheck.mjs, lua/, console/, and
//                 uws/<alias>/: the uWebSockets.js builds for Linux x64 and arm64 on the Node.js line
//                 of the image's default base (named uws/, not node_modules/: npm never packs that),
//                 and argon2/: @node-rs/argon2 with its installed Linux glibc binaries (native-argon2.mjs)
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { copyArgon2 } from './native-argon2.mjs';

export const UWS_ARCHES = ['x64', 'arm64'];

const PLATFORM_BUILD = '    context: ..\n    dockerfile: platform/Dockerfile\n    args:\n';
// biome-ignore lint/suspicious/noTemplateCurlyInString: compose and Dockerfile variables
const PLATFORM_IMAGE = '${RELAYBOX_PLATFORM_IMAGE:-relaybox/platform:dev}';

/** compose.yaml with its platform build taken from this folder (the text is otherwise unchanged). */
export function carriedCompose(composeText, { bundleId, version }) {
  for (const expected of [PLATFORM_BUILD, PLATFORM_IMAGE])
    if (composeText.split(expected).length !== 2)
      throw new Error(`compose/compose.yaml no longer has exactly one ${JSON.stringify(expected)}`);
  const header = [
    '# Carried by the relaybox package (platform/cli/scripts/carried-stack.mjs wrote it from',
    "# compose/compose.yaml): the platform image builds from this folder's Dockerfile and app/.",
    '',
  ].join('\n');
  return (
    header +
    composeText
      .replace(
        PLATFORM_BUILD,
        `    context: .\n    dockerfile: Dockerfile\n    args:\n      RELAYBOX_BUNDLE: ${bundleId}\n`,
      )
      .replace(PLATFORM_IMAGE, `\${RELAYBOX_PLATFORM_IMAGE:-relaybox/platform:${version}}`)
  );
}

/** The Node.js major of the image's default base (`ARG NODE_IMAGE=node:24-trixie-slim` → 24). */
export function defaultNodeMajor(platformDockerfile) {
  const match = /^ARG NODE_IMAGE=\S*?node:(\d+)\S*$/m.exec(platformDockerfile);
  if (!match) throw new Error('platform/Dockerfile has no `ARG NODE_IMAGE=node:<major>...` line');
  return match[1];
}

/**
 * The carried Dockerfile: its own build stage (app/ as built, only the uWebSockets.js binary of the
 * image's CPU and Node.js ABI kept), then platform/Dockerfile's runtime stage unchanged.
 */
export function carriedDockerfile(platformDockerfile, carried, argon2 = 'some Linux platforms') {
  const lines = platformDockerfile.split('\n');
  const arg = lines.find((line) => line.startsWith('ARG NODE_IMAGE='));
  const last = lines.findLastIndex((line) => /^FROM \$\{NODE_IMAGE\}\s*$/.test(line));
  const runtime = lines.slice(last).join('\n').trimEnd();
  if (!arg || last < 0 || !runtime.includes('COPY --from=build /out/ /app/'))
    throw new Error(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose and Dockerfile variables
      'platform/Dockerfile: expected `ARG NODE_IMAGE=`, a final `FROM ${NODE_IMAGE}` stage and `COPY --from=build /out/ /app/`',
    );
  const refusal =
    `this RelayBox bundle carries uWebSockets.js for ${carried} only: ` +
    'set NODE_IMAGE to such an image (glibc >= 2.38: Debian 13, Ubuntu 24.04), or build from a checkout';
  return [
    '# The RelayBox platform image, from the platform the relaybox package carries (app/). Written by',
    "# platform/cli/scripts/carried-stack.mjs: a build stage of its own, then platform/Dockerfile's runtime stage.",
    arg,
    '',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose and Dockerfile variables
    'FROM ${NODE_IMAGE} AS build',
    'COPY app /out',
    '# The gateway loads uws_linux_<cpu>_<Node ABI>.node: keep that one, refuse an image with none.',
    '# The auth service loads @node-rs/argon2 (password hashing) at runtime: warn when it does not load.',
    'RUN mv /out/uws /out/node_modules \\',
    ' && keep="uws_linux_$(node -p process.arch)_$(node -p process.versions.modules).node" \\',
    ` && find /out/node_modules -name 'uws_*.node' ! -name "$keep" -delete \\`,
    ` && if [ -z "$(find /out/node_modules -name "$keep")" ]; then echo "no $keep: ${refusal}" >&2; exit 1; fi \\`,
    ' && mv /out/argon2 /out/node_modules/@node-rs \\',
    ` && if ! node -e "require('/out/node_modules/@node-rs/argon2')"; then echo "warning: this RelayBox bundle carries @node-rs/argon2 for ${argon2} only: password sign-up and sign-in will fail in this image" >&2; fi`,
    '',
    runtime,
    '# What the image was built from (the build argument the carried compose.yaml sets).',
    'ARG RELAYBOX_BUNDLE',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose and Dockerfile variables
    'LABEL dev.relaybox.bundle=${RELAYBOX_BUNDLE}',
    '',
  ].join('\n');
}

/**
 * Copies each uWebSockets.js build that supports Node.js `major` (uws-builds.json) into
 * `<appDir>/uws/<alias>/`: its manifest, entry, licence and Linux binaries for {@link UWS_ARCHES}.
 */
export function copyLinuxUws(repo, appDir, major) {
  const table = JSON.parse(readFileSync(join(repo, 'platform/gateway/src/uws/uws-builds.json'), 'utf8'));
  const fromGateway = createRequire(join(repo, 'platform/gateway/package.json'));
  const copied = [];
  for (const build of table.builds) {
    const abi = build.nodeAbis[major];
    if (!abi) continue;
    const entry = fromGateway.resolve(build.alias);
    const root = entry.slice(0, entry.length - build.entry.length);
    const files = ['package.json', build.entry, ...['LICENSE'].filter((f) => existsSync(join(root, f)))];
    const binaries = UWS_ARCHES.map((arch) => join(build.binaries, `uws_linux_${arch}_${abi}.node`));
    for (const binary of binaries)
      if (!existsSync(join(root, binary))) throw new Error(`${build.alias} has no ${binary}`);
    for (const file of [...files, ...binaries]) {
      const target = join(appDir, 'uws', build.alias, file);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(root, file), target);
    }
    copied.push(`${build.alias} ${build.version}`);
  }
  if (copied.length === 0) throw new Error(`no uWebSockets.js build supports Node.js ${major}`);
  return copied;
}

/** A hash of every file below `dir` (paths and contents, in a stable order). */
export function treeHash(dir) {
  const hash = createHash('sha256');
  const walk = (relative) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else
        hash
          .update(`${path}\0`)
          .update(readFileSync(join(dir, path)))
          .update('\0');
    }
  };
  walk('');
  return hash.digest('hex').slice(0, 32);
}

/**
 * Writes `<out>/stack` from a finished bundle in `out` (gateway.mjs, healthcheck.mjs, lua/,
 * console/). Returns the folder and the hash its compose.yaml passes as RELAYBOX_BUNDLE.
 */
export function writeCarriedStack(repo, out, version) {
  const dir = join(out, 'stack');
  const app = join(dir, 'app');
  mkdirSync(app, { recursive: true });
  cpSync(join(out, 'gateway.mjs'), join(app, 'relaybox.mjs'));
  cpSync(join(out, 'healthcheck.mjs'), join(app, 'healthcheck.mjs'));
  cpSync(join(out, 'lua'), join(app, 'lua'), { recursive: true });
  cpSync(join(out, 'console'), join(app, 'console'), { recursive: true });
  const platformDockerfile = readFileSync(join(repo, 'platform/Dockerfile'), 'utf8');
  const major = defaultNodeMajor(platformDockerfile);
  const builds = copyLinuxUws(repo, app, major);
  const argon2 = copyArgon2(repo, join(app, 'argon2'), (platform) =>
    UWS_ARCHES.some((arch) => platform === `linux-${arch}-gnu`),
  ).join(', ');
  const carried = `Node.js ${major} on Linux ${UWS_ARCHES.join('/')} (${builds.join(', ')}; argon2: ${argon2})`;
  writeFileSync(join(dir, 'Dockerfile'), carriedDockerfile(platformDockerfile, carried, argon2));
  cpSync(join(repo, 'compose/nginx'), join(dir, 'nginx'), { recursive: true });
  const bundleId = createHash('sha256')
    .update(treeHash(app))
    .update(readFileSync(join(dir, 'Dockerfile')))
    .digest('hex')
    .slice(0, 32);
  const compose = readFileSync(join(repo, 'compose/compose.yaml'), 'utf8');
  writeFileSync(join(dir, 'compose.yaml'), carriedCompose(compose, { bundleId, version }));
  return { dir, bundleId, carried };
}
