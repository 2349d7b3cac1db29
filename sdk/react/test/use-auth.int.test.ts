import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  ROOT,
  type Stack,
  screenshot,
  servePage,
  startStack,
  watchPage,
} from './browser-harness.js';

// useAuth in real headless Chromium (StrictMode) against a real gateway whose dev app has a user pool:
// the view follows sign-up, a profile update, the connection and sign-out.

let stack: Stack;
let browser: Browser;
let page: Page;
let site: { url: string; close(): void };

beforeAll(async () => {
  stack = await startStack();
  site = await servePage(`${ROOT}sdk/react/test/page/auth-app.tsx`);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  site?.close();
  await stack?.close();
});

const text = (id: string) => page.textContent(`#${id}`);

describe('useAuth', () => {
  it('re-renders on sign-up, user update and sign-out; the client connects as the user', async () => {
    page = await browser.newPage();
    const problems = watchPage(page);
    await page.goto(site.url);
    await page.waitForFunction(() => typeof window.startAuthApp === 'function');
    await page.evaluate((url) => window.startAuthApp({ url, appId: 'dev' }), stack.wsUrl);
    await page.waitForFunction(() => document.getElementById('user')?.textContent === 'signed out');
    expect(await text('session')).toBe('no session');

    const email = `react-${Date.now()}@example.com`;
    const userId = await page.evaluate(async (address) => {
      const { user } = await window.relay.auth.signUp({ email: address, password: 'correct horse battery' });
      await window.relay.connect();
      return user?.id;
    }, email);
    await page.waitForFunction((address) => document.getElementById('user')?.textContent === address, email);
    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'connected');
    expect(await text('session')).toBe('session');
    expect(await page.evaluate(() => window.relay.clientId)).toBe(userId);

    await page.evaluate(() => window.relay.auth.updateUser({ displayName: 'Ada from React' }));
    await page.waitForFunction(() => document.getElementById('name')?.textContent === 'Ada from React');
    await screenshot(page, 'react-use-auth-signed-in');

    await page.evaluate(() => window.relay.auth.signOut());
    await page.waitForFunction(() => document.getElementById('user')?.textContent === 'signed out');
    await page.waitForFunction(() => document.getElementById('state')?.textContent === 'closed');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // The provider's first connect, before sign-in, was refused (no session): a console error of
    // the failed upgrade is expected; nothing else.
    expect(problems.filter((p) => !/unauthorized|not signed in|WebSocket/i.test(p))).toEqual([]);
    await page.close();
  }, 60_000);
});
