import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, watchPage } from '../../../../scripts/test/chromium.js';
import { TestOidcProvider } from '../../../auth/test/oidc-provider.js';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway, wsUrl } from '../harness.js';

// The whole OAuth sign-in of an app's user in real headless Chromium: the app page calls
// relay.auth.signInWithOAuth, the browser signs in at a real oidc-provider, comes back through the
// redirect, and the page finishes the sign-in, connects to a real gateway, joins a room and publishes.
const CLIENT_SECRET = 'relaybox-alpha-browser-secret-0001';

let app: Server;
let origin: string;
let op: TestOidcProvider;
let gw: RunningGateway;
let browser: Browser;
let page: Page;
let problems: string[] = [];

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./page/oauth-app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  app = createServer((req, res) => {
    if (req.url === '/app.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<!doctype html><title>app</title><script>window.config = ${JSON.stringify({ url: wsUrl(gw) })}</script>` +
          '<script type="module" src="/app.js"></script>',
      );
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  op = await TestOidcProvider.start({
    clients: [{ id: 'alpha-web', secret: CLIENT_SECRET, redirectUris: [`${origin}/callback`] }],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'rb-sdk-oauth-')), 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'alpha',
          keys: [{ id: 'full', secret: 'alpha-full-secret-001' }],
          auth: {
            userPermissions: { 'chat:>': ['subscribe', 'publish'] },
            providers: [
              {
                id: 'corp',
                kind: 'oidc',
                issuer: op.issuer,
                clientId: 'alpha-web',
                clientSecret: CLIENT_SECRET,
              },
            ],
            redirectUris: [`${origin}/callback`],
          },
        },
      ],
    }),
  );
  gw = await startTestGateway({
    env: { RELAYBOX_CONFIG: file, RELAYBOX_AUTH_SECRET: 'sdk-oauth-browser-secret-0123456789abcdef' },
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.shutdown();
  await op?.close();
  app?.closeAllConnections();
  app?.close();
});

type Result = NonNullable<Window['result']>;

/** A fresh browser profile on the app's page. */
async function openApp(): Promise<void> {
  await page?.context().close();
  page = await (await browser.newContext()).newPage();
  problems = watchPage(page);
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.relay !== undefined);
}

/** Clicks through the provider's login and consent pages; ends on the app's /callback page. */
async function signInAtProvider(login: string): Promise<void> {
  await page.waitForURL((u) => u.origin === op.issuer, { timeout: 10_000 });
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached', timeout: 10_000 });
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.origin === origin && u.pathname === '/callback', { timeout: 10_000 });
}

async function result(): Promise<Result> {
  await page.waitForFunction(() => window.result !== undefined, undefined, { timeout: 10_000 });
  return (await page.evaluate(() => window.result)) as Result;
}

describe('relay.auth.signInWithOAuth in Chromium', () => {
  it('signs in at the provider, comes back, connects as the user, joins and publishes', async () => {
    await openApp();
    await page.evaluate(
      (redirectUri) => void window.relay.auth.signInWithOAuth({ provider: 'corp', redirectUri }),
      `${origin}/callback`,
    );
    await signInAtProvider('grace');
    const done = await result();
    expect(done).toMatchObject({ email: 'grace@example.test', seq: 1 });
    expect(done.clientId).toBe(done.userId);
    await screenshot(page, 'sdk-oauth-signed-in');

    // The same callback again (reload, back button): the flow token was used up.
    await page.reload();
    expect(await result()).toEqual({ error: 'oauth_state_mismatch' });
    // Script errors only: the provider's pages load web fonts (no network here) and a favicon.
    expect(problems.filter((p) => !p.startsWith('console: Failed to load resource'))).toEqual([]);
  });

  it('refuses a callback whose state was tampered with, and a redirect URI outside the allow list', async () => {
    await openApp();
    await page.evaluate(() => sessionStorage.setItem('hold', '1'));
    await page.evaluate(
      (redirectUri) => void window.relay.auth.signInWithOAuth({ provider: 'corp', redirectUri }),
      `${origin}/callback`,
    );
    await signInAtProvider('heidi');
    expect(await result()).toEqual({ error: 'held' });
    const forged = new URL(page.url());
    forged.searchParams.set('state', 'forged-state');
    await page.goto(forged.toString());
    expect(await result()).toEqual({ error: 'oauth_state_mismatch' });

    await openApp();
    const refused = await page.evaluate(() =>
      window.relay.auth
        .signInWithOAuth({ provider: 'corp', redirectUri: 'https://evil.example/callback' })
        .then(
          () => 'navigated',
          (error: { code?: string }) => error.code,
        ),
    );
    expect(refused).toBe('oauth_redirect_not_allowed');
    expect(new URL(page.url()).origin).toBe(origin);
  });
});
