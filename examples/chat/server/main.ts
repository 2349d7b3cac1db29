import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChatServer } from './chat-server.js';

// `pnpm dev` (Vite dev server inside, hot reload) or `pnpm start` (serves `vite build`'s dist/)
// against a RelayBox stack: RELAYBOX_URL (default http://localhost:9000), and its API key from
// RELAYBOX_API_KEY or the dev key `relaybox up` keeps in `.relaybox/dev-key`.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dev = process.argv.includes('--dev');
const relayboxUrl = process.env.RELAYBOX_URL ?? 'http://localhost:9000';
const port = Number(process.env.PORT ?? 5173);

/** RELAYBOX_API_KEY, else `<RELAYBOX_DATA_DIR or .relaybox>/dev-key` here or in a parent directory. */
function findApiKey(): string | undefined {
  if (process.env.RELAYBOX_API_KEY) return process.env.RELAYBOX_API_KEY;
  if (process.env.RELAYBOX_DATA_DIR) return readKey(join(process.env.RELAYBOX_DATA_DIR, 'dev-key'));
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    const key = readKey(join(dir, '.relaybox', 'dev-key'));
    if (key || dirname(dir) === dir) return key;
  }
}

function readKey(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

async function main(): Promise<void> {
  const health = await fetch(`${relayboxUrl}/v1/health`).catch(() => undefined);
  const apiKey = findApiKey();
  if (!health?.ok || !apiKey) {
    console.error(
      `No RelayBox stack at ${relayboxUrl}${apiKey ? '' : ' (and no dev key found)'}.\n` +
        'Start one in the repository root with `pnpm start` (or `npx relaybox up`), or set RELAYBOX_URL and RELAYBOX_API_KEY.',
    );
    process.exit(1);
  }
  const dist = join(ROOT, 'dist');
  if (!dev && !existsSync(join(dist, 'index.html'))) {
    console.error('No build found: run `pnpm --filter chat-example build` first (or use `dev`).');
    process.exit(1);
  }
  const web = dev ? { viteRoot: ROOT } : { dir: dist };
  const server = await startChatServer({ apiKey, relayboxUrl, port, host: 'localhost', web });
  console.log(`Chat on ${server.url} (RelayBox at ${relayboxUrl}). Open it in two windows.`);
}

await main();
