import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@relaybox/gateway';
import type { TraceEvent } from '@relaybox/protocol';
import { RelayBoxRest } from '@relaybox/rest';
import { build } from 'esbuild';

export { launchChromium, screenshot, watchPage } from '../../../scripts/test/chromium.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, '.artifacts', 'screenshots');

export interface Stack {
  gateway: RunningGateway;
  rest: RelayBoxRest;
  /** `ws://127.0.0.1:<port>/v1/ws` */
  wsUrl: string;
  /** The trace events of `room` (joins, leaves, presence, messages), oldest first. */
  traces(room: string): Promise<TraceEvent[]>;
  close(): Promise<void>;
}

/** A real embedded gateway (memory adapters) on a random port, with the admin API and tracing on. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rb-react-'));
  const adminToken = randomBytes(24).toString('base64url');
  const apiKey = `dev.default:${randomBytes(24).toString('base64url')}`;
  const gateway = await startGateway(
    loadConfig({
      RELAYBOX_PORT: '0',
      RELAYBOX_BROKER: 'memory',
      RELAYBOX_STORE: 'memory',
      RELAYBOX_LOG_LEVEL: 'silent',
      RELAYBOX_NODE_ID: `gw-react-${randomBytes(3).toString('hex')}`,
      RELAYBOX_DATA_DIR: dataDir,
      RELAYBOX_DEV_API_KEY: apiKey,
      RELAYBOX_ADMIN_TOKEN: adminToken,
      RELAYBOX_TRACING: 'on',
      ...env,
    }),
    { log: createLogger('silent') },
  );
  return {
    gateway,
    rest: new RelayBoxRest({ apiKey, url: gateway.url }),
    wsUrl: `${gateway.url.replace(/^http/, 'ws')}/v1/ws`,
    async traces(room) {
      const res = await fetch(`${gateway.url}/v1/admin/traces?room=${encodeURIComponent(room)}&limit=10000`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      if (!res.ok) throw new Error(`traces: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { items: TraceEvent[] }).items;
    },
    async close() {
      await gateway.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Serves the test page with `entry` bundled (React in development mode, so StrictMode double-runs effects). */
export async function servePage(entry: string): Promise<{ url: string; close(): void }> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"development"' },
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const server: Server = createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><title>react</title><div id="root"></div><script type="module" src="/app.js"></script>',
        );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => server.close(),
  };
}
