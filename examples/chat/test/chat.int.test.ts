import { randomBytes } from 'node:crypto';
import type { BrowserContext, Locator, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type ChatStack, launchChromium, screenshot, startChatStack, watchPage } from './chat-harness.js';

// The chat example in two real Chromium contexts (two users) against a real gateway and the
// example's own token server.

let stack: ChatStack;
let browser: Awaited<ReturnType<typeof launchChromium>>;
const problems: string[] = [];

beforeAll(async () => {
  stack = await startChatStack();
  browser = await launchChromium();
  // The first load of a fresh checkout makes Vite bundle the dependencies (long on a loaded
  // machine): done once here, so the test's own steps keep their ordinary timeouts.
  const warmUp = await browser.newPage();
  await warmUp.goto(stack.url);
  await warmUp.getByLabel('Your name').waitFor({ timeout: 120_000 });
  await warmUp.close();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Opens the chat, signs in as `name` and opens `room` from the room form. */
async function signIn(context: BrowserContext, name: string, room: string): Promise<Page> {
  const page = await context.newPage();
  problems.push(...watchPage(page));
  await page.goto(stack.url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByLabel('new room').fill(room);
  await page.getByLabel('new room').press('Enter');
  await page.getByRole('main', { name: `#${room}` }).waitFor();
  await members(page).getByText(`${name} (you)`).waitFor();
  return page;
}

const members = (page: Page) => page.getByRole('complementary', { name: 'members' });
const messages = (page: Page) => page.getByRole('list', { name: 'messages' }).getByRole('listitem');
const banner = (page: Page) => page.getByRole('status');

const composer = (page: Page) => page.getByRole('textbox', { name: 'message' });

async function say(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** Waits (at most 15 s) until the items' texts are exactly `expected`; fails with what was there. */
async function texts(items: Locator, expected: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  let seen = await items.allInnerTexts();
  while (JSON.stringify(seen) !== JSON.stringify(expected)) {
    if (Date.now() > deadline) expect(seen).toEqual(expected);
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await items.allInnerTexts();
  }
}

const gone = (locator: Locator, timeout = 15_000) => locator.waitFor({ state: 'hidden', timeout });

/** Bob's sockets go through Playwright, so the test can cut them (setOffline leaves WebSockets alone). */
function cuttable(context: BrowserContext) {
  const routes = new Set<WebSocketRoute>();
  let offline = false;
  return {
    async install() {
      await context.routeWebSocket(/\/v1\/ws/, (ws) => {
        if (offline) return void ws.close({ code: 3000, reason: 'offline' });
        routes.add(ws);
        ws.connectToServer();
      });
    },
    async goOffline() {
      offline = true;
      await context.setOffline(true);
      for (const ws of routes) await ws.close({ code: 3000, reason: 'offline' });
      routes.clear();
    },
    async goOnline() {
      offline = false;
      await context.setOffline(false);
    },
  };
}

describe('examples/chat in Chromium', () => {
  it('two users chat both ways, see each other, typing, and one that went offline misses nothing', async () => {
    problems.length = 0;
    onTestFailed(() => console.log(`relaybox up and the chat server said:\n${stack.output()}`));
    // A room of this attempt only (a retry must not see the first attempt's history).
    const room = `test-${randomBytes(4).toString('hex')}`;
    const aliceContext = await browser.newContext();
    const bobContext = await browser.newContext();
    const network = cuttable(bobContext);
    await network.install();
    const alice = await signIn(aliceContext, 'alice', room);
    const bob = await signIn(bobContext, 'bob', room);

    // Presence both ways.
    await members(alice).getByText('bob', { exact: true }).waitFor();
    await members(bob).getByText('alice', { exact: true }).waitFor();

    // Typing, then messages both ways.
    await composer(bob).pressSequentially('hi al');
    await alice.getByText('bob is typing…').waitFor();
    await composer(bob).press('Enter');
    await texts(messages(alice), ['bob hi al']);
    await gone(alice.getByText('bob is typing…'));
    await say(alice, 'hello bob');
    await texts(messages(bob), ['bob hi al', 'alice hello bob']);
    await screenshot(bob, 'chat-bob');

    // Bob goes offline: network and socket. Alice goes on talking.
    await network.goOffline();
    await banner(bob).getByText('Reconnecting').waitFor();
    for (const n of [1, 2, 3]) await say(alice, `while you were away ${n}`);
    await texts(messages(alice).filter({ hasText: 'while you were away 3' }), [
      'alice while you were away 3',
    ]);
    await screenshot(bob, 'chat-bob-offline');
    await network.goOnline();
    await gone(banner(bob), 20_000);
    const expected = [
      'bob hi al',
      'alice hello bob',
      'alice while you were away 1',
      'alice while you were away 2',
      'alice while you were away 3',
    ];
    await texts(messages(bob), expected);
    await say(bob, 'back');
    await texts(messages(alice), [...expected, 'bob back']);

    // A newcomer gets the history on load.
    const carol = await signIn(aliceContext, 'carol', room);
    await texts(messages(carol), [...expected, 'bob back']);
    await members(bob).getByText('carol', { exact: true }).waitFor();
    await screenshot(alice, 'chat-alice');

    // Bob signs out: the others see him go.
    await bob.getByRole('button', { name: 'Sign out' }).click();
    await gone(members(alice).getByText('bob', { exact: true }));
    await gone(members(carol).getByText('bob', { exact: true }));
    await aliceContext.close();
    await bobContext.close();
    expect(problems).toEqual([]);
  }, 90_000);
});
