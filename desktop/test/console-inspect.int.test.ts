import { randomBytes } from 'node:crypto';
import type { RelayBox } from '@relaybox/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleStack,
  connectSdk,
  ensureConsoleBuilt,
  launchChromium,
  screenshot,
  startConsoleStack,
  watchPage,
} from './console-harness.js';

// The room page's rate chart and the per-connection page, in real headless Chromium against a real
// embedded gateway (admin API on).

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

describe('console inspection', () => {
  it('draws the message rate over a window of 10 s or more, live', async () => {
    const room = `rate:${uid()}`;
    const relay = await connectSdk(stack.origin, stack.devApiKey, `rater-${uid()}`);
    clients.push(relay);
    const joined = await relay.join(room);
    await page.goto(`${stack.origin}/console/rooms/dev/${encodeURIComponent(room)}`);
    const chart = page.getByTestId('rate-chart');
    await chart.waitFor(WAIT);
    // About 5 msg/s until the chart holds 12 readings (one per second of polling).
    let n = 0;
    const points = async () => Number(await chart.getAttribute('data-points'));
    const deadline = Date.now() + 40_000;
    while ((await points()) < 12 && Date.now() < deadline) {
      await joined.publish('tick', { n: n++ });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await points()).toBeGreaterThanOrEqual(12);
    expect(await chart.locator('circle.point').count()).toBeGreaterThanOrEqual(12);
    await chart.locator('text.tick', { hasText: /^now$/ }).waitFor(WAIT);
    await chart.locator('text.tick', { hasText: '−60 s' }).waitFor(WAIT);
    // The rate reached the chart (some reading above zero).
    await expect.poll(() => chart.locator('figcaption').textContent(), WAIT).toMatch(/peak [1-9]/);
    await screenshot(page, 'console-rate-chart');
    expect(problems).toEqual([]);
  }, 60_000);
});
