import { randomBytes } from 'node:crypto';
import type { RelayBox } from '@relaybox/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleStack,
  connectSdk,
  ensureConsoleBuilt,
  launchChromium,
  openTab,
  screenshot,
  startConsoleStack,
  watchPage,
} from './console-harness.js';

// Console actions in real headless Chromium against a real embedded gateway (admin API on).

const WAIT = { timeout: 10_000 };
const uid = () => randomBytes(3).toString('hex');

let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let problems: string[];
const clients: RelayBox[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  stack = await startConsoleStack();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  problems = watchPage(page);
  await page.goto(`${stack.origin}/console/#token=${stack.adminToken}`);
}, 60_000);

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('console actions', () => {
  it('disconnects a connection from the connections table; the SDK client reconnects', async () => {
    const clientId = `kicked-${uid()}`;
    const relay = await connectSdk(stack.origin, stack.devApiKey, clientId);
    clients.push(relay);
    const states: string[] = [];
    relay.connection.on('statechange', (change) => states.push(change.current));
    const connectionId = relay.connectionId!;
    await openTab(page, 'Connections');
    const row = page.getByTestId('connection-row').filter({ hasText: connectionId });
    await row.waitFor(WAIT);
    await row.getByRole('button', { name: `disconnect ${clientId}` }).click();
    // 4004 is a reconnect code: the client drops, then comes back (resuming its session).
    await expect.poll(() => states, WAIT).toEqual(expect.arrayContaining(['disconnected', 'connected']));
    expect(states.indexOf('disconnected')).toBeLessThan(states.lastIndexOf('connected'));
    await page.getByTestId('connection-row').filter({ hasText: clientId }).waitFor(WAIT);
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'console-disconnected');
    expect(problems).toEqual([]);
  });
});
