import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from './child-process.js';

export const WORKSPACE = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./consumer', import.meta.url));

type Manifest = {
  name: string;
  version: string;
  private?: boolean;
  packageManager?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

export const manifestOf = (folder: string): Manifest =>
  JSON.parse(readFileSync(join(WORKSPACE, folder, 'package.json'), 'utf8'));

/** The folders of the workspace's packages (the `packages` globs of pnpm-workspace.yaml: `dir` or `dir/*`). */
export function workspaceFolders(): string[] {
  const yaml = readFileSync(join(WORKSPACE, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^ {2}- (\S+)$/gm)].map((match) => match[1]!);
  return globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(join(WORKSPACE, glob.slice(0, -2)))
          .map((name) => `${glob.slice(0, -2)}/${name}`)
          .filter((folder) => existsSync(join(WORKSPACE, folder, 'package.json')))
      : [glob],
  );
}

/** The version the workspace itself pins for a third-party package (one source of truth for the fixture). */
function workspaceVersion(name: string): string {
  for (const folder of ['.', 'desktop', 'sdk/client', 'sdk/react']) {
    let manifest: Manifest;
    try {
      manifest = manifestOf(folder);
    } catch {
      continue;
    }
    const version = manifest.dependencies?.[name] ?? manifest.devDependencies?.[name];
    if (version) return version;
  }
  throw new Error(`the workspace declares no version of ${name}`);
}

const APP_DEPENDENCIES = ['react', 'react-dom', 'ws'];
const APP_DEV_DEPENDENCIES = [
  'typescript',
  'vite',
  '@vitejs/plugin-react',
  '@types/react',
  '@types/react-dom',
  '@types/node',
  '@types/ws',
];

/**
 * Lays out the consumer project (scripts/test/consumer) in `dir`, depending on `ours` (published
 * name → version range) and the third-party packages at the workspace's versions, and installs it
 * with plain npm from `registryUrl` only (the project's .npmrc and the environment both name it).
 */
export async function installConsumerProject(
  dir: string,
  registryUrl: string,
  ours: Record<string, string>,
): Promise<void> {
  cpSync(FIXTURE, dir, { recursive: true });
  const pick = (names: string[]) => Object.fromEntries(names.map((name) => [name, workspaceVersion(name)]));
  const manifest = {
    name: 'relaybox-consumer',
    private: true,
    version: '0.0.0',
    type: 'module',
    dependencies: { ...ours, ...pick(APP_DEPENDENCIES) },
    devDependencies: pick(APP_DEV_DEPENDENCIES),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, '.npmrc'), `registry=${registryUrl}\n`);
  await runOk('npm', ['install', '--no-audit', '--no-fund', '--registry', registryUrl], {
    cwd: dir,
    env: consumerEnv(registryUrl),
    timeoutMs: 240_000,
  });
}

/** The environment of every npm/npx/node command in the consumer project: the local registry only. */
export function consumerEnv(registryUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Nothing of the workspace may leak in: no tsx loader, no npm config set by pnpm, no RelayBox paths.
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name.startsWith('RELAYBOX_') || /^npm_/i.test(name)) continue;
    env[name] = value;
  }
  // Nor its binaries: `pnpm test` puts the workspace's node_modules/.bin on PATH.
  const path = (process.env.PATH ?? '').split(delimiter).filter((entry) => !entry.startsWith(WORKSPACE));
  // npm talks to the local registry only: no update check, audit or funding calls of its own.
  const npm = {
    npm_config_registry: registryUrl,
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  return { ...env, PATH: path.join(delimiter), ...npm, ...extra };
}
