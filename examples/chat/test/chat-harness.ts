import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { launchChromium, screenshot, watchPage } from '../../../scripts/test/chromium.js';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = join(EXAMPLE, '..', '..', '.artifacts', 'screenshots');

export interface ChatStack {
  /** The chat's origin, `http://localhost:<port>`. */
  url: string;
  /** What `relaybox up` and the chat server printed. */
  output(): string;
  close(): Promise<void>;
}

/**
 * What a user runs, as child processes: `relaybox up` (the embedded engine, its own data dir and
 * port) and the example's `dev` command (its server with Vite inside), which finds the stack's dev
 * key in `RELAYBOX_DATA_DIR` by itself.
 */
export async function startChatStack(): Promise<ChatStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rb-chat-'));
  const [relayboxPort, chatPort] = [await freePort(), await freePort()];
  const env = { ...process.env, RELAYBOX_DATA_DIR: dataDir };
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const child of children.reverse()) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const relaybox = join(EXAMPLE, 'node_modules', '.bin', 'relaybox');
    children.push(run(relaybox, ['up', '--port', String(relayboxPort), '--no-open'], env));
    await ready(children[0]!, `http://127.0.0.1:${relayboxPort}/v1/health`);
    children.push(
      run(process.execPath, ['--import', 'tsx', 'server/main.ts', '--dev'], {
        ...env,
        RELAYBOX_URL: `http://localhost:${relayboxPort}`,
        PORT: String(chatPort),
      }),
    );
    await ready(children[1]!, `http://localhost:${chatPort}/api/config`);
    const output = () => children.map((child) => (child as Child).output.join('')).join('\n');
    return { url: `http://localhost:${chatPort}`, output, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Child = ChildProcess & { output: string[] };

/** A child whose output is kept (shown when it fails to come up). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { cwd: EXAMPLE, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  (child as Child).output = output;
  return child;
}

/** Polls `url` until it answers 200 (at most 90 s: the first Vite start optimizes dependencies). */
async function ready(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const res = await fetch(url).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const output = (child as Child).output.join('');
  throw new Error(`${child.spawnargs.join(' ')} did not come up (${url}):\n${output}`);
}

/** SIGINT (relaybox up stops its stack on it), then SIGKILL after 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
