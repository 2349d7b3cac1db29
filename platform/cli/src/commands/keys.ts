import { readOrCreateDevKey } from '@relaybox/orchestrator';
import type { Command } from 'commander';
import { type CliContext, dataDirOf } from '../cli-context.js';
import { runningStack } from '../stack-state.js';

export function registerKeysCommand(program: Command, context: CliContext): void {
  program
    .command('keys')
    .description('print the dev API key and a ready-to-paste @relaybox/rest + @relaybox/client snippet')
    .option('--json', 'print { devApiKey, origin, websocket } as JSON')
    .action((flags: { json?: boolean }) => runKeys(flags, context));
}

/** The dev key of this directory's stack: the running one's, `RELAYBOX_DEV_API_KEY`, or `.relaybox/dev-key`. */
export function devKeyAndOrigin(context: CliContext): {
  devApiKey: string;
  origin: string;
  websocket: string;
} {
  const stack = runningStack(dataDirOf(context));
  if (stack)
    return {
      devApiKey: stack.devApiKey,
      origin: stack.endpoints.origin,
      websocket: stack.endpoints.websocket,
    };
  const devApiKey = readOrCreateDevKey(dataDirOf(context), context.env.RELAYBOX_DEV_API_KEY || undefined);
  return { devApiKey, origin: 'http://localhost:9000', websocket: 'ws://localhost:9000/v1/ws' };
}

export function runKeys(flags: { json?: boolean }, context: CliContext): void {
  const { devApiKey, origin, websocket } = devKeyAndOrigin(context);
  if (flags.json) {
    context.out(`${JSON.stringify({ devApiKey, origin, websocket })}\n`);
    return;
  }
  context.out(keysText(devApiKey, origin, websocket));
}

export function keysText(devApiKey: string, origin: string, websocket: string): string {
  return `Dev API key (full access to the local dev app; server-side only):
  ${devApiKey}

// Your backend (npm i @relaybox/rest): mint tokens for your users, push messages
import { RelayBoxRest } from '@relaybox/rest';
const rest = new RelayBoxRest({ apiKey: '${devApiKey}', url: '${origin}' });
const { token } = await rest.createToken({ clientId: 'user-1', permissions: { 'chat:*': ['subscribe', 'publish', 'presence', 'history'] } });
await rest.publish('chat:lobby', 'message', { text: 'hello from the server' });

// Browser or Node (npm i @relaybox/client; in Node 20 pass \`WebSocket\` from the ws package)
import { RelayBox } from '@relaybox/client';
const relay = new RelayBox({ url: '${websocket}', token });
await relay.connect();
const room = await relay.join('chat:lobby');
room.subscribe('message', (msg) => console.log(msg.seq, msg.data));
await room.publish('message', { text: 'hi' });
`;
}
