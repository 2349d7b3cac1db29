import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelayBox } from '@relaybox/client';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@relaybox/gateway';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { launchChromium, watchPage } from '../../scripts/test/chromium.js';

export { launchChromium, screenshot, watchPage } from '../../scripts/test/chromium.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, '.artifacts', 'screenshots');

/** The `ws` package's WebSocket class, for Node SDK clients. */
export const NodeWebSocket: unknown = WebSocket;

/** Builds desktop/dist/console when its sources are newer (scripts/build-console.mjs). */
export function ensureConsoleBuilt(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/build-console.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`console build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface ConsoleStack {
  gateway: RunningGateway;
  adminToken: string;
  devApiKey: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** A real embedded gateway (memory adapters) on a random port, with the admin API and tracing on. */
export async function startConsoleStack(env: Record<string, string> = {}): Promise<ConsoleStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rb-console-'));
  const adminToken = randomBytes(24).toString('base64url');
  const devApiKey = `dev.default:${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    RELAYBOX_PORT: '0',
    RELAYBOX_BROKER: 'memory',
    RELAYBOX_STORE: 'memory',
    RELAYBOX_LOG_LEVEL: 'silent',
    RELAYBOX_NODE_ID: `gw-console-${randomBytes(3).toString('hex')}`,
    RELAYBOX_DATA_DIR: dataDir,
    RELAYBOX_DEV_API_KEY: devApiKey,
    RELAYBOX_ADMIN_TOKEN: adminToken,
    RELAYBOX_TRACING: 'on',
    // Many connections from 127.0.0.1 in a burst (the virtualisation test).
    RELAYBOX_LIMITS: JSON.stringify({ connectionRatePerSecond: 1000, connectionBurst: 1000 }),
    ...env,
  });
  const gateway = await startGateway(config, { log: createLogger('silent') });
  return {
    gateway,
    adminToken,
    devApiKey,
    origin: gateway.url,
    close: async () => {
      await gateway.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A connected @relaybox/client SDK client (Node, `ws`) using the dev API key. */
export async function connectSdk(origin: string, apiKey: string, clientId: string): Promise<RelayBox> {
  const relay = new RelayBox({
    url: `${origin.replace(/^http/, 'ws')}/v1/ws`,
    apiKey,
    clientId,
    WebSocket: NodeWebSocket as never,
  });
  await relay.connect();
  return relay;
}

/** Opens one of the console's views from its navigation bar. */
export async function openTab(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'views' })
    .getByRole('link', { name: label, exact: true })
    .click();
}

/** A loopback port free right now (for stacks that must come back on the same origin). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A console test file's shared state: the stack, the browser page on the console, and SDK clients. */
export interface ConsoleSession {
  stack: ConsoleStack;
  browser: Browser;
  page: Page;
  /** Page errors and console errors seen so far (`watchPage`). */
  problems: string[];
  /** SDK clients a test opened: closed after each test. */
  clients: RelayBox[];
}

/**
 * Registers the file's hooks: a console stack (`env` for the gateway) and Chromium on its console,
 * signed in with the admin token; SDK clients in `clients` closed after each test; all stopped after.
 */
export function consoleInBrowser(
  options: { env?: Record<string, string>; height?: number } = {},
): ConsoleSession {
  const session = { clients: [] as RelayBox[] } as ConsoleSession;
  beforeAll(async () => {
    ensureConsoleBuilt();
    session.stack = await startConsoleStack(options.env);
    session.browser = await launchChromium();
    session.page = await session.browser.newPage({
      viewport: { width: 1280, height: options.height ?? 800 },
    });
    session.problems = watchPage(session.page);
    await session.page.goto(`${session.stack.origin}/console/#token=${session.stack.adminToken}`);
  }, 60_000);
  afterEach(async () => {
    await Promise.allSettled(session.clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.stack?.close();
  });
  return session;
}
