import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { mergeEnvFile } from '../dotenv-file.js';
import { devKeyAndOrigin } from './keys.js';

export interface InitFlags {
  force?: boolean;
  url?: string;
}

export function registerInitCommand(program: Command, context: CliContext): void {
  program
    .command('init')
    .description(
      'write the dev key and URLs into .env (merged; existing values kept) and print the code to start from',
    )
    .option('--force', 'replace RELAYBOX_* values .env already has')
    .option('--url <origin>', 'origin of the stack (default: the running one, else http://localhost:9000)')
    .action((flags: InitFlags) => runInit(flags, context));
}

/**
 * `relaybox init` in a user's project: `.env` gets `RELAYBOX_URL`, `RELAYBOX_WS_URL`,
 * `RELAYBOX_API_KEY` (what the backend uses) and `RELAYBOX_DEV_API_KEY` (what `relaybox up` in this
 * directory then serves), all for the local dev app. A value the file already has is never
 * replaced without `--force`; every other line of the file is left as it was.
 */
export function runInit(flags: InitFlags, context: CliContext): void {
  const found = devKeyAndOrigin(context);
  const origin = flags.url ? originOf(flags.url) : found.origin;
  const websocket = flags.url ? `${origin.replace(/^http/, 'ws')}/v1/ws` : found.websocket;
  const path = join(context.cwd, '.env');
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const merge = mergeEnvFile(
    before,
    {
      RELAYBOX_URL: origin,
      RELAYBOX_WS_URL: websocket,
      RELAYBOX_API_KEY: found.devApiKey,
      RELAYBOX_DEV_API_KEY: found.devApiKey,
    },
    flags.force === true,
  );
  if (merge.text !== before) writeFileSync(path, merge.text, { mode: 0o600 });
  const verb = before === '' ? 'Created' : 'Updated';
  context.out(
    merge.written.length > 0
      ? `${verb} .env: ${merge.written.join(', ')}\n`
      : '.env already has the RelayBox settings\n',
  );
  if (merge.kept.length > 0) {
    context.out(
      `Kept the values .env already had for ${merge.kept.join(', ')} (\`relaybox init --force\` replaces them)\n`,
    );
  }
  context.out(`${initSnippet(websocket)}\n`);
}

function originOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--url must be an http(s) origin such as http://localhost:9000, got "${raw}"`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--url must be an http(s) origin such as http://localhost:9000, got "${raw}"`, 2);
  return url.origin;
}

/** The code a new project starts from: a token endpoint in the backend, the client in the browser. */
export function initSnippet(websocket: string): string {
  return `Next: start the stack with \`npx relaybox up\`, then

// Your backend (npm i @relaybox/rest): an auth endpoint that mints a token for the signed-in user
import { RelayBoxRest } from '@relaybox/rest';
const rest = new RelayBoxRest({ apiKey: process.env.RELAYBOX_API_KEY, url: process.env.RELAYBOX_URL });
// POST /api/relaybox-token  →  answer with JSON { token }
const { token } = await rest.createToken({
  clientId: user.id,
  permissions: { 'chat:*': ['subscribe', 'publish', 'presence', 'history'] },
});

// Your front end (npm i @relaybox/client, or @relaybox/react for hooks)
import { RelayBox } from '@relaybox/client';
const relay = new RelayBox({ url: '${websocket}', authEndpoint: '/api/relaybox-token' });
await relay.connect();
const room = await relay.join('chat:lobby');
room.subscribe('message', (msg) => console.log(msg.seq, msg.data));
await room.publish('message', { text: 'hi' });
`;
}
