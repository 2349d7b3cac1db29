import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, startGateway } from '@relaybox/gateway';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { type ChatServer, startChatServer } from '../server/chat-server.js';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
export const SCREENSHOTS = join(EXAMPLE, '..', '..', '.artifacts', 'screenshots');

export interface ChatStack {
  chat: ChatServer;
  close(): Promise<void>;
}

/**
 * A real embedded gateway on a random port and the example's server in front of a production build
 * of its front end, as `pnpm build && pnpm start` would run them.
 */
export async function startChatStack(): Promise<ChatStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rb-chat-'));
  const apiKey = `dev.default:${randomBytes(24).toString('base64url')}`;
  const gateway = await startGateway(
    loadConfig({
      RELAYBOX_PORT: '0',
      RELAYBOX_BROKER: 'memory',
      RELAYBOX_STORE: 'memory',
      RELAYBOX_LOG_LEVEL: 'silent',
      RELAYBOX_NODE_ID: `gw-chat-${randomBytes(3).toString('hex')}`,
      RELAYBOX_DATA_DIR: dataDir,
      RELAYBOX_DEV_API_KEY: apiKey,
    }),
    { log: createLogger('silent') },
  );
  const dist = join(dataDir, 'dist');
  await build({ root: EXAMPLE, logLevel: 'silent', build: { outDir: dist, emptyOutDir: true } });
  const chat = await startChatServer({ apiKey, relayboxUrl: gateway.url, web: { dir: dist } });
  return {
    chat,
    async close() {
      await chat.close();
      await gateway.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Keeps a screenshot under .artifacts/screenshots (CI keeps .artifacts). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Collects page errors and console errors, to show them when a test fails. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}
