import { randomBytes } from 'node:crypto';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../../platform/gateway/test/harness.js';
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

// The live console in real headless Chromium against a real embedded gateway (admin API, tracing
// on), opened like `relaybox console` opens it without a daemon: `/console/#token=<admin token>`.

const WAIT = { timeout: 10_000 };
const uid = () => randomBytes(3).toString('hex');

let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let problems: string[];
const clients: RelayBox[] = [];

async function sdk(clientId: string): Promise<RelayBox> {
  const relay = await connectSdk(stack.origin, stack.devApiKey, clientId);
  clients.push(relay);
  return relay;
}

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

describe('console (inspector views)', () => {
  it('keeps the token out of the URL and says stack control is unavailable without a daemon', async () => {
    await page.getByTestId('stack-unavailable').waitFor(WAIT);
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('relaybox.console'))).toContain(stack.adminToken);
    await page
      .getByRole('region', { name: 'gateways' })
      .getByText(stack.gateway.gateway.stats().nodeId)
      .waitFor(WAIT);
    await screenshot(page, 'console-stack-without-daemon');
    expect(problems).toEqual([]);
  });

  it('shows SDK clients that connect in the connections table', async () => {
    const alice = `alice-${uid()}`;
    const bob = `bob-${uid()}`;
    const [a, b] = await Promise.all([sdk(alice), sdk(bob)]);
    await (await a.join(`chat:${uid()}`)).subscribe(() => {});
    await openTab(page, 'Connections');
    const rows = page.getByTestId('connection-row');
    await rows.filter({ hasText: alice }).waitFor(WAIT);
    await rows.filter({ hasText: bob }).filter({ hasText: b.connectionId! }).waitFor(WAIT);
    await screenshot(page, 'console-connections');
  });

  it('publishes from the publish box to an SDK client', async () => {
    const room = `chat:${uid()}`;
    const listener = await sdk(`listener-${uid()}`);
    const got = new Promise<RoomMessage>((resolve) => {
      void listener.join(room).then((r) => r.subscribe('greeting', resolve));
    });
    await openTab(page, 'Publish');
    const form = page.getByRole('form', { name: 'publish' });
    await form.getByLabel('App').fill('dev');
    await form.getByLabel('Room').fill(room);
    await form.getByLabel('Event').fill('greeting');
    await form.getByLabel('As client').fill('console-tester');
    await form.getByLabel('Data (JSON)').fill('{"text":"hi from the console"}');
    // The listener's subscription must be in place before publishing.
    await waitForSubscribers(room, 1);
    await form.getByRole('button', { name: 'Publish' }).click();
    await page.getByTestId('publish-result').waitFor(WAIT);
    const message = await withTimeout(got, 'the SDK client did not get the console message');
    expect(message).toMatchObject({
      room,
      event: 'greeting',
      clientId: 'console-tester',
      data: { text: 'hi from the console' },
    });
    await screenshot(page, 'console-publish');
  });

  it('shows a message published by an SDK client on the room page, with its trace across every hop', async () => {
    const room = `chat:${uid()}`;
    const author = await sdk(`author-${uid()}`);
    const joined = await author.join(room);
    joined.subscribe(() => {});
    await waitForSubscribers(room, 1);
    await openTab(page, 'Rooms');
    await page.getByTestId('room-row').getByRole('link', { name: room }).click();
    await page.getByTestId('room-name').getByText(room).waitFor(WAIT);
    const ack = await joined.publish('note', { text: 'hello from the sdk' });
    const message = page.getByTestId('room-message').filter({ hasText: 'hello from the sdk' });
    await message.waitFor(WAIT);
    await screenshot(page, 'console-room');
    await message.getByRole('link', { name: 'trace' }).click();
    const timeline = page.getByTestId('trace-timeline');
    await timeline.getByText(ack.id).first().waitFor(WAIT);
    await timeline.locator('[data-type="message.acked"]').waitFor(WAIT);
    const hops = await timeline
      .getByTestId('trace-hop')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-type')));
    for (const hop of ['received', 'stored', 'published', 'consumed', 'delivered', 'acked']) {
      expect(hops).toContain(`message.${hop}`);
    }
    await screenshot(page, 'console-trace');
  });

  it('shows presence enter and leave live on the room page', async () => {
    const room = `chat:${uid()}`;
    const carolId = `carol-${uid()}`;
    const carol = await sdk(carolId);
    const joined = await carol.join(room);
    await page.goto(`${stack.origin}/console/rooms/dev/${encodeURIComponent(room)}`);
    await page.getByTestId('room-name').getByText(room).waitFor(WAIT);
    const member = page.getByTestId('presence-member').filter({ hasText: carolId });
    await joined.presence.enter({ mood: 'curious' });
    await member.waitFor(WAIT);
    await screenshot(page, 'console-presence');
    await joined.presence.leave();
    await member.waitFor({ ...WAIT, state: 'detached' });
    // The room page leads to the publish box, ready for this room.
    await page.getByRole('link', { name: 'Publish to this room' }).click();
    expect(await page.getByRole('form', { name: 'publish' }).getByLabel('Room').inputValue()).toBe(room);
  });

  it('renders only the visible rows of a long connections table', async () => {
    await page.setViewportSize({ width: 900, height: 420 });
    const prefix = `many-${uid()}`;
    const raw: TestClient[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        raw.push(
          await TestClient.connect(`${stack.origin.replace('http', 'ws')}/v1/ws`, {
            apiKey: stack.devApiKey,
            clientId: `${prefix}-${String(i).padStart(2, '0')}`,
          }),
        );
      }
      await openTab(page, 'Connections');
      await page.getByRole('searchbox', { name: 'filter connections' }).fill(prefix);
      await page.waitForFunction(
        (p) =>
          document.querySelector('[data-testid="connections-total"]')?.textContent?.startsWith('60 of') &&
          document.body.textContent!.includes(p),
        prefix,
        WAIT,
      );
      const visible = () =>
        page
          .getByTestId('connection-row')
          .evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent ?? ''));
      const before = await visible();
      expect(before.length).toBeGreaterThan(0);
      expect(before.length).toBeLessThan(30);
      await page.getByTestId('connections-scroller').evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await page.waitForFunction(
        (first) =>
          ![...document.querySelectorAll('[data-testid="connection-row"] td:first-child')].some(
            (td) => td.textContent === first,
          ),
        before[0],
        WAIT,
      );
      const after = await visible();
      expect(after.length).toBeLessThan(30);
      expect(after.some((clientId) => !before.includes(clientId))).toBe(true);
      await screenshot(page, 'console-connections-virtualised');
    } finally {
      await Promise.allSettled(raw.map((c) => c.close()));
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('streams live events, including a refused connection with its reason', async () => {
    await openTab(page, 'Traces');
    const live = page.getByRole('region', { name: 'live events' });
    await live.getByText('live', { exact: true }).waitFor(WAIT);
    const failed = live.locator('[data-type="auth.failed"]').first();
    // The stream may still be opening: refuse a connection until its event shows up (bounded).
    for (let attempt = 0; attempt < 10 && !(await failed.isVisible()); attempt++) {
      const refused = await TestClient.connect(`${stack.origin.replace('http', 'ws')}/v1/ws`, {
        apiKey: 'dev.default:not-the-right-secret-at-all',
        clientId: 'intruder',
      }).then(
        (client) => client.close().then(() => false),
        () => true,
      );
      expect(refused).toBe(true);
      await failed.waitFor({ timeout: 1000 }).catch(() => {});
    }
    await failed.waitFor(WAIT);
    expect(await failed.textContent()).toMatch(/api_key_invalid|key_unknown/);
    await screenshot(page, 'console-live-events');
  });

  it('stays readable at a narrow width (no sideways scrolling)', async () => {
    const relay = await sdk(`narrow-${uid()}`);
    const room = `chat:${uid()}`;
    const joined = await relay.join(room);
    joined.subscribe(() => {});
    await joined.presence.enter({ device: 'phone' });
    const ack = await joined.publish('note', { text: 'a long message '.repeat(20) });
    await page.setViewportSize({ width: 360, height: 740 });
    try {
      const views: Array<[string, string, string]> = [
        ['connections', '/connections', 'connection-row'],
        ['rooms', '/rooms', 'room-row'],
        ['room', `/rooms/dev/${encodeURIComponent(room)}`, 'presence-member'],
        ['trace', `/traces/${encodeURIComponent(ack.id)}`, 'trace-hop'],
        ['publish', '/publish', 'publish-box'],
      ];
      for (const [name, route, testId] of views) {
        await page.goto(`${stack.origin}/console${route}`);
        await (testId === 'publish-box'
          ? page.getByRole('form', { name: 'publish' })
          : page.getByTestId(testId).first()
        ).waitFor(WAIT);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${name} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        await screenshot(page, `console-narrow-${name}`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });
});

/** Waits until the inspector API counts `count` subscribers in the room (snapshots lag up to 1 s). */
async function waitForSubscribers(room: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.origin}/v1/admin/rooms/${encodeURIComponent(room)}?appId=dev`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    if (response.ok && ((await response.json()) as { subscribers: number }).subscribers >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`room ${room} never had ${count} subscribers`);
}

function withTimeout<T>(promise: Promise<T>, message: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(message)), 10_000)),
  ]);
}
