import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../../../scripts/test/chromium.js';
import { OAuthClient, type OAuthProviderConfig, type PendingAuthorization } from '../src/index.js';
import { TestOidcProvider } from './oidc-provider.js';

// The OAuth code flow in real headless Chromium: a minimal app server starts the sign-in and handles
// the callback with OAuthClient, the real oidc-provider shows its login and consent pages.

let app: Server;
let origin: string;
let op: TestOidcProvider;
let browser: Browser;
let page: Page;
let provider: OAuthProviderConfig;
const client = new OAuthClient();
/** Sign-ins in progress by the browser's `sid` cookie; an entry is used once. */
const pending = new Map<string, PendingAuthorization>();
/** When set, the app answers its next callback without handling it (to replay it altered). */
let holdNextCallback = false;

function html(body: string): string {
  return `<!doctype html><html><body>${body}</body></html>`;
}

beforeAll(async () => {
  app = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const redirectUri = `${origin}/callback`;
    try {
      if (url.pathname === '/login') {
        const sid = randomBytes(16).toString('hex');
        const started = await client.startAuthorization({ provider, redirectUri, allowList: [redirectUri] });
        pending.set(sid, started);
        res.writeHead(302, {
          location: started.url,
          'set-cookie': `sid=${sid}; HttpOnly; SameSite=Lax; Path=/`,
        });
        return res.end();
      }
      if (url.pathname === '/callback' && holdNextCallback) {
        holdNextCallback = false;
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(html('<pre id="held">held</pre>'));
      }
      if (url.pathname === '/callback') {
        const sid = /sid=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
        const expected = pending.get(sid);
        pending.delete(sid);
        const identity = await client.completeAuthorization({
          provider,
          params: url.searchParams,
          expected: { state: '', nonce: '', codeVerifier: '', ...expected, redirectUri },
        });
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(html(`<pre id="result">${JSON.stringify(identity)}</pre>`));
      }
      res.writeHead(404).end();
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/html' });
      res.end(html(`<pre id="error">${(error as { code?: string }).code ?? 'internal'}</pre>`));
    }
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  op = await TestOidcProvider.start({
    clients: [
      { id: 'browser-app', secret: 'browser-app-secret-0123456789', redirectUris: [`${origin}/callback`] },
    ],
  });
  provider = {
    id: 'corp',
    kind: 'oidc',
    issuer: op.issuer,
    clientId: 'browser-app',
    clientSecret: 'browser-app-secret-0123456789',
  };
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await op?.close();
  app?.closeAllConnections();
  await new Promise((resolve) => app?.close(resolve));
});

/** Opens /login and goes through the provider's login and consent pages; stays on the callback page. */
async function signInInBrowser(login: string): Promise<string> {
  // A fresh browser profile: no provider session from an earlier sign-in.
  await page?.context().close();
  page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/login`);
  await page.waitForURL((u) => u.origin === op.issuer, { timeout: 10_000 });
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await screenshot(page, 'auth-oidc-login');
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached', timeout: 10_000 });
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.origin === origin && u.pathname === '/callback', { timeout: 10_000 });
  return page.url();
}

describe('OAuth/OIDC sign-in in Chromium', () => {
  it('signs in at the provider and comes back through the redirect with the verified identity', async () => {
    const callback = await signInInBrowser('dora');
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();
    const result = JSON.parse((await page.textContent('#result', { timeout: 5_000 })) ?? '{}');
    expect(result).toMatchObject({ subject: 'dora', email: 'dora@example.test', issuer: op.issuer });
    await screenshot(page, 'auth-oidc-callback');

    // The same callback again (back button, a leaked URL): the sign-in was used up.
    await page.goto(callback);
    expect(await page.textContent('#error')).toBe('oauth_state_mismatch');
  });

  it('refuses a callback whose state was tampered with', async () => {
    holdNextCallback = true;
    const callback = new URL(await signInInBrowser('erin'));
    callback.searchParams.set('state', 'forged-state');
    await page.goto(callback.toString());
    expect(await page.textContent('#error')).toBe('oauth_state_mismatch');
  });
});
