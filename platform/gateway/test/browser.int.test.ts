import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RelayBoxRest } from '@relaybox/rest';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../scripts/test/chromium.js';
import type { RunningGateway } from '../src/start-gateway.js';
import { ALPHA_FULL, apiKeyOf, startTestGateway, wsUrl } from './harness.js';

// @relaybox/client bundled for the browser and run in real headless Chromium against a real gateway.
/** What the page keeps on `window` between evaluations (the SDK module and test state). */
interface TestWindow {
  // biome-ignore lint/suspicious/noExplicitAny: the bundled SDK module, typed by its own tests
  sdk: any;
  got: unknown[];
  relay: { close(): Promise<void>; connection: { state: string } };
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = `${ROOT}.artifacts`;

let gw: RunningGateway;
let rest: RelayBoxRest;
let server: Server;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  gw = await startTestGateway();
  rest = new RelayBoxRest({ apiKey: apiKeyOf(ALPHA_FULL), url: gw.url });
  const bundle = await build({
    entryPoints: [`${ROOT}sdk/client/src/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
  });
  const sdk = bundle.outputFiles[0]!.text;
  server = createServer((req, res) => {
    if (req.url === '/sdk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>sdk</title><body>sdk test</body>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.addScriptTag({
    type: 'module',
    content: "import * as sdk from '/sdk.js'; window.sdk = sdk; window.ready = true;",
  });
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
}, 60_000);

afterAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page?.screenshot({ path: `${ARTIFACTS}/browser-sdk.png` });
  await browser?.close();
  server?.close();
  await gw?.shutdown();
});

describe('@relaybox/client in Chromium', () => {
  it('connects with a token (subprotocol), joins, publishes and receives, and gets server pushes', async () => {
    const { token } = await rest.createToken({ clientId: 'browser-user' });
    const url = wsUrl(gw);
    const result = await page.evaluate(
      async ({ url, token }) => {
        const { RelayBox } = (window as unknown as TestWindow).sdk;
        const relay = new RelayBox({ url, token });
        const states: string[] = [];
        relay.connection.on('statechange', (c: { current: string }) => states.push(c.current));
        await relay.connect();
        const room = await relay.join('browser:lobby');
        const got: unknown[] = [];
        room.subscribe('chat', (m: { data: unknown }) => got.push(m.data));
        (window as unknown as TestWindow).got = got;
        (window as unknown as TestWindow).relay = relay;
        const ack = await room.publish('chat', { from: 'browser' });
        const deadline = Date.now() + 5000;
        while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return { clientId: relay.clientId, states, ack, got: [...got] };
      },
      { url, token },
    );
    expect(result.clientId).toBe('browser-user');
    expect(result.states).toEqual(['connecting', 'connected']);
    expect(result.ack).toMatchObject({ seq: 1, id: expect.any(String) });
    expect(result.got).toEqual([{ from: 'browser' }]);

    await rest.publish('browser:lobby', 'chat', { from: 'backend' });
    await page.waitForFunction(() => (window as unknown as TestWindow).got.length === 2, undefined, {
      timeout: 5000,
    });
    expect(await page.evaluate(() => (window as unknown as TestWindow).got[1])).toEqual({ from: 'backend' });
    await page.evaluate(() => (window as unknown as TestWindow).relay.close());
    expect(await page.evaluate(() => (window as unknown as TestWindow).relay.connection.state)).toBe(
      'closed',
    );
  });

  it('surfaces a refused publish as a typed RelayBoxError in the browser', async () => {
    const { token } = await rest.createToken({
      clientId: 'reader',
      permissions: { 'browser:*': ['subscribe'] },
    });
    const error = await page.evaluate(
      async ({ url, token }) => {
        const { RelayBox } = (window as unknown as TestWindow).sdk;
        const relay = new RelayBox({ url, token });
        await relay.connect();
        const room = await relay.join('browser:readonly');
        try {
          await room.publish('chat', 1);
          return null;
        } catch (e) {
          const err = e as { name: string; code: string; status: number; retryable: boolean };
          return { name: err.name, code: err.code, status: err.status, retryable: err.retryable };
        } finally {
          await relay.close();
        }
      },
      { url: wsUrl(gw), token },
    );
    expect(error).toEqual({
      name: 'RelayBoxError',
      code: 'permission_denied',
      status: 403,
      retryable: false,
    });
  });
});
