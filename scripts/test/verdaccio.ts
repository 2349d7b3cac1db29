import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Service, startService } from './child-process.js';
import { freePort } from './free-port.js';

const VERDACCIO = fileURLToPath(new URL('../../node_modules/.bin/verdaccio', import.meta.url));

export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** An npmrc holding the publish token for `url` (pass it as NPM_CONFIG_USERCONFIG). */
  npmrc: string;
  service: Service;
}

/**
 * The names served only from what was published to this registry: never looked up upstream, so a
 * package of the same name on the public registry can never stand in for ours.
 */
export const LOCAL_ONLY = ['@relaybox/*', 'relaybox'];

/** The registry npm is configured with here: Verdaccio's uplink for third-party packages. */
function upstreamRegistry(): string {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

function config(dir: string): string {
  const localOnly = LOCAL_ONLY.map((name) => `  '${name}':\n    access: $all\n    publish: $authenticated\n`);
  return [
    `storage: ${join(dir, 'storage')}`,
    // The relaybox package carries its docker stack and uWebSockets.js binaries (~8 MB packed,
    // sent base64 in the publish body); Verdaccio's default limit is 10 MB, npmjs.org's far higher.
    'max_body_size: 64mb',
    'auth:',
    '  htpasswd:',
    `    file: ${join(dir, 'htpasswd')}`,
    'uplinks:',
    '  upstream:',
    `    url: ${upstreamRegistry()}`,
    '    timeout: 60s',
    'packages:',
    ...localOnly,
    "  '**':\n    access: $all\n    publish: $authenticated\n    proxy: upstream",
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n');
}

/** Creates a user through the registry's login API and returns its token. */
async function createUser(url: string): Promise<string> {
  const name = `rb-${randomBytes(4).toString('hex')}`;
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(12).toString('hex'), type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || !body.token) throw new Error(`registry refused the user: ${JSON.stringify(body)}`);
  return body.token;
}

/** Starts Verdaccio on a free loopback port with its config, storage and users in `dir`. */
export async function startVerdaccio(dir: string): Promise<LocalRegistry> {
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, config(dir));
  const port = await freePort();
  const service = await startService(VERDACCIO, ['--config', configFile, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    ready: /http address/,
    timeoutMs: 60_000,
  });
  const url = `http://127.0.0.1:${port}/`;
  const npmrc = join(dir, 'publish.npmrc');
  writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${await createUser(url)}\n`);
  return { url, npmrc, service };
}

/** The versions of `name` the registry holds (empty when it has none). */
export async function publishedVersions(url: string, name: string): Promise<string[]> {
  const response = await fetch(new URL(name.replace('/', '%2f'), url));
  if (response.status === 404) return [];
  const body = (await response.json()) as { versions?: Record<string, unknown> };
  return Object.keys(body.versions ?? {});
}
