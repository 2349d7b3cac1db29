import { RelayBox } from '@relaybox/client';
import { TcpProxy, testName } from '@relaybox/core/testing';
import type { TraceEvent } from '@relaybox/protocol';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  launchChromium,
  REACT_LINES,
  type ReactLine,
  ROOT,
  type Stack,
  screenshot,
  servePage,
  startStack,
  watchPage,
} from './browser-harness.js';
import type { AppSpec, PresenceSnapshot, ViewSnapshot } from './page/test-app.js';

// @relaybox/react in real headless Chromium (StrictMode, development build) against a real
// gateway, on every React line of its peer range (19 and 18): the whole suite runs once per line.
// What the hooks did is read from the gateway (the admin API's traces, presence seen by another
// client), not from the hooks themselves.

let stack: Stack;
let browser: Browser;
let page: Page;
let problems: string[];
let site: { url: string; close(): void };
let line: ReactLine;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function openPage(): Promise<void> {
  page = await browser.newPage();
  pageToken = undefined;
  problems = watchPage(page);
  await page.goto(site.url);
  await page.waitForFunction(() => window.app !== undefined);
}

afterEach(async (context) => {
  if (!page) return;
  await screenshot(page, `react${line}-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  await page.close();
  expect(problems).toEqual([]);
});

/** One token per page: the provider is keyed by url and token, so re-renders keep its client. */
let pageToken: string | undefined;

async function render(spec: Omit<AppSpec, 'token' | 'url'>) {
  pageToken ??= (await stack.rest.createToken({ clientId: 'alice' })).token;
  const token = pageToken;
  await page.evaluate((s) => window.app.render(s), { url: stack.wsUrl, token, ...spec });
}

type Seen = Omit<ViewSnapshot, 'publish' | 'next'> & Partial<Pick<PresenceSnapshot, 'members'>>;

/**
 * Waits until `check` (an expression of `v`) holds for view `id`'s snapshot, merged with its
 * presence child's; returns that snapshot (functions dropped).
 */
async function view(id: string, check: string): Promise<Seen> {
  const handle = await page.waitForFunction(
    ({ id, check }) => {
      const v = window.views[id] && { ...window.views[id], ...window.presence[id] };
      const holds = new Function('v', `return ${check}`) as (v: unknown) => boolean;
      return v && holds(v) ? JSON.parse(JSON.stringify(v)) : false;
    },
    { id, check },
    { timeout: 15_000 },
  );
  return handle.jsonValue();
}

const count = (events: TraceEvent[], type: string) => events.filter((e) => e.type === type).length;

/** Reads until `ok` holds (every 50 ms, for at most 10 s); resolves the last value read. */
async function poll<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (let value = await read(); ; value = await read()) {
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Publishes a marker and waits until the room's traces show it stored: earlier events are in too. */
async function tracesUpTo(room: string): Promise<TraceEvent[]> {
  const { id } = await stack.rest.publish(room, 'barrier', null);
  return poll(
    () => stack.traces(room),
    (events) => events.some((e) => e.messageId === id && e.type === 'message.stored'),
    `the barrier's trace in ${room}`,
  );
}

function nodeClient(clientId: string, url = stack.wsUrl): RelayBox {
  return new RelayBox({
    url,
    getToken: () => stack.rest.createToken({ clientId }),
    WebSocket: WebSocket as never,
  });
}

describe.each(REACT_LINES)('@relaybox/react on React %s in Chromium (StrictMode)', (reactLine) => {
  beforeAll(async () => {
    line = reactLine;
    site = await servePage(`${ROOT}sdk/react/test/page/test-app.tsx`, reactLine);
  }, 60_000);
  afterAll(() => site?.close());

  it('runs the page on that React line', async () => {
    await openPage();
    const versions = await page.evaluate(() => window.reactVersions);
    expect(versions.react.split('.')[0]).toBe(reactLine);
    expect(versions.reactDom).toBe(versions.react);
  });

  it('joins a room and enters presence once for two components, and leaves with the last one', async () => {
    await openPage();
    const room = testName('react:shared');
    await render({
      views: [
        { id: 'a', room, messages: {}, presence: { name: 'a' } },
        { id: 'b', room, messages: {} },
      ],
    });
    await view('a', "v.joined && v.members?.length === 1 && v.state === 'connected'");
    await view('b', 'v.joined');
    let events = await tracesUpTo(room);
    expect(count(events, 'room.join')).toBe(1);
    expect(count(events, 'room.leave')).toBe(0);
    expect(count(events, 'presence.enter')).toBe(1);
    expect(count(events, 'presence.leave')).toBe(0);
    expect((await stack.rest.presence(room)).map((m) => m.data)).toEqual([{ name: 'a' }]);
    // Both views got the barrier, once each.
    await view('a', 'v.seqs.length === 1');
    await view('b', 'v.seqs.length === 1');

    // Both go and another view of the room comes in the same commit: the room stays joined.
    await render({ views: [{ id: 'c', room, messages: {} }] });
    await view('c', 'v.joined');
    events = await tracesUpTo(room);
    expect(count(events, 'presence.leave')).toBe(1);
    expect(count(events, 'room.leave')).toBe(0);
    expect(count(events, 'room.join')).toBe(1);
    expect(await stack.rest.presence(room)).toEqual([]);

    // The last one goes: the room is left once, and nothing joined it again.
    await render({ views: [] });
    await poll(
      () => stack.traces(room),
      (list) => count(list, 'room.leave') > 0,
      'the room to be left',
    );
    events = await tracesUpTo(room);
    expect(count(events, 'room.leave')).toBe(1);
    expect(count(events, 'room.join')).toBe(1);
  });

  it('closes the client it created on unmount, and never one it was given', async () => {
    const room = testName('react:owner');
    await openPage();
    await render({ views: [{ id: 'o', room }] });
    await view('o', 'v.joined');
    await page.evaluate(() => window.app.unmount());
    await page.waitForFunction(() => window.relays.o?.connection.state === 'closed');

    await render({ ownClient: true, views: [{ id: 'g', room }] });
    await view('g', "v.joined && v.state === 'connected'");
    await page.evaluate(() => window.app.unmount());
    // The room is left (its last user went) but the page's client stays connected. (The first
    // client left no `room.leave`: its connection closed.)
    await poll(
      () => stack.traces(room),
      (events) => count(events, 'room.leave') === 1,
      'the leave',
    );
    expect(await page.evaluate(() => window.relays.g?.connection.state)).toBe('connected');
    await page.evaluate(() => window.relays.g?.close());
  });

  it('lists messages in seq order: history first, then live ones and its own publishes', async () => {
    const room = testName('react:messages');
    for (let n = 1; n <= 5; n++) await stack.rest.publish(room, 'chat', { n });
    await stack.rest.publish(room, 'other', { n: 'skip' });
    await openPage();
    await render({ views: [{ id: 'm', room, messages: { event: 'chat', history: 3 } }] });
    expect((await view('m', 'v.seqs.length === 3')).seqs).toEqual([3, 4, 5]);

    const ack = await page.evaluate(() => window.views.m!.publish('chat', { n: 7 }));
    expect(ack).toMatchObject({ seq: 7 });
    await stack.rest.publish(room, 'other', { n: 'skip' });
    await stack.rest.publish(room, 'chat', { n: 9 });
    const seen = await view('m', 'v.seqs.length === 5');
    expect(seen.seqs).toEqual([3, 4, 5, 7, 9]);
    expect(seen.data).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }, { n: 7 }, { n: 9 }]);
    // Subscribed once: the gateway delivered each message to one subscriber.
    const events = await tracesUpTo(room);
    expect(count(events, 'room.join')).toBe(1);
  });

  it('keeps the member list as others enter, update and leave, and shows its own data to them', async () => {
    const room = testName('react:presence');
    await openPage();
    await render({ views: [{ id: 'p', room, presence: { status: 'here' } }] });
    await view('p', 'v.members?.join() === \'alice:{"status":"here"}\'');

    const bob = nodeClient('bob');
    await bob.connect();
    const bobRoom = await bob.join(room);
    await bobRoom.presence.enter({ status: 'hi' });
    await view('p', 'v.members?.length === 2');
    await bobRoom.presence.update({ status: 'busy' });
    expect((await view('p', 'v.members?.[1] === \'bob:{"status":"busy"}\'')).members).toEqual([
      'alice:{"status":"here"}',
      'bob:{"status":"busy"}',
    ]);

    await page.evaluate(() => window.presence.p!.update({ status: 'away' }));
    const members = await poll(
      () => bobRoom.presence.get(),
      (list) => list.some((m) => m.clientId === 'alice' && JSON.stringify(m.data) === '{"status":"away"}'),
      "alice's update",
    );
    expect(members).toHaveLength(2);

    await bobRoom.presence.leave();
    await view('p', 'v.members?.length === 1');
    await bob.close();
  });

  it('pages through history with useHistory', async () => {
    const room = testName('react:history');
    for (let n = 1; n <= 7; n++) await stack.rest.publish(room, 'chat', { n });
    await openPage();
    await render({ views: [{ id: 'h', room, history: { limit: 3 } }] });
    expect(await view('h', 'v.historySeqs.length === 3')).toMatchObject({
      historySeqs: [7, 6, 5],
      hasNext: true,
    });
    await page.evaluate(() => window.views.h!.next());
    expect((await view('h', 'v.historySeqs.length === 6')).historySeqs).toEqual([7, 6, 5, 4, 3, 2]);
    await page.evaluate(() => window.views.h!.next());
    expect(await view('h', 'v.historySeqs.length === 7')).toMatchObject({
      historySeqs: [7, 6, 5, 4, 3, 2, 1],
      hasNext: false,
    });
  });

  it('reloads the list from history on a discontinuity (history trimmed while disconnected)', async () => {
    const small = await startStack({ RELAYBOX_HISTORY_MAX_MESSAGES: '5' });
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: small.gateway.port });
    try {
      const room = testName('react:gap');
      await openPage();
      const { token } = await small.rest.createToken({ clientId: 'gap' });
      await page.evaluate((s) => window.app.render(s), {
        url: `ws://127.0.0.1:${proxy.port}/v1/ws`,
        token,
        options: { maxReconnectDelayMs: 500 },
        views: [{ id: 'g', room, messages: { history: 50 } }],
      } satisfies AppSpec);
      await view('g', "v.joined && v.state === 'connected'");
      for (let n = 1; n <= 3; n++) await small.rest.publish(room, 'chat', { n });
      await view('g', 'v.seqs.length === 3');

      proxy.cut();
      await view('g', "v.state !== 'connected'");
      for (let n = 4; n <= 13; n++) await small.rest.publish(room, 'chat', { n });
      proxy.restore();
      await view('g', "v.state === 'connected'");
      const seen = await view('g', 'v.seqs[0] === 9 && v.seqs.length === 5');
      expect(seen.seqs).toEqual([9, 10, 11, 12, 13]);
      expect(await page.evaluate(() => window.gaps)).toBe(1);
    } finally {
      await page.evaluate(() => window.app.unmount()).catch(() => {});
      await proxy.close();
      await small.close();
    }
  });
});
