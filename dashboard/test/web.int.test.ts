import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { RelayBox } from '@relaybox/client';
import { RelayBoxRest, verifyWebhook } from '@relaybox/rest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Node 20 has no global WebSocket: the SDK client uses the `ws` package's.
import WebSocket from 'ws';
import { launchChromium, SCREENSHOTS } from './web-harness.js';
import {
  type DashboardStack,
  refusedWithin5s,
  startDashboardStack,
  startWebhookReceiver,
  type WebhookReceiver,
} from './web-stack.js';

// The dashboard end to end in headless Chromium: the real control-plane API on a fresh PostgreSQL
// database, and a real gateway in cloud mode resolving keys from that control plane.

const EMAIL = `web-${randomBytes(4).toString('hex')}@example.com`;
const PASSWORD = 'correct horse battery';
const APP_NAME = 'e2e-chat';

let stack: DashboardStack;
let receiver: WebhookReceiver | undefined;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let apiKey = '';
/** Console messages about Content-Security-Policy violations, from every page of the run. */
const cspViolations: string[] = [];
let appId = '';

const screenshot = (name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}dashboard-${name}.png`, fullPage: true });
const wsUrl = () => `ws://127.0.0.1:${stack.gateway.port}/v1/ws`;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startDashboardStack();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.frontUrl });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content[ -]Security[ -]Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await stack?.close();
});

// A failed step keeps what the browser showed.
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page)
    await screenshot(`failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`);
});

describe('dashboard web app', () => {
  it('guards routes, signs a new account up and shows the empty app list', async () => {
    await page.goto(stack.frontUrl);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await page.getByText('No apps yet').waitFor();
    await screenshot('empty-apps');
  });

  it('creates an app and a key with the permission editor; the secret is shown once', async () => {
    await page.getByLabel('New app name').fill(APP_NAME);
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: APP_NAME }).waitFor();
    appId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
    await page.getByText('No API keys yet').waitFor();
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByText('No usage in this period').waitFor();
    await page.getByRole('link', { name: 'Keys' }).click();

    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByLabel('Key name').fill('backend');
    const pattern = page.getByLabel('Room pattern 1');
    await pattern.fill('chat:>:x>');
    await page.getByText(/^Invalid pattern/).waitFor();
    expect(await page.getByRole('button', { name: 'Create key' }).isDisabled()).toBe(true);
    await pattern.fill('chat:>');
    const preview = page.getByRole('list', { name: 'Pattern match preview' });
    await preview.locator('[data-room="chat:lobby"].match').waitFor();
    await preview.locator('[data-room="chat:team:42"].match').waitFor();
    await preview.locator('[data-room="game:7"].no-match').waitFor();
    await screenshot('key-editor');

    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    apiKey = (await dialog.getByTestId('secret-value').textContent()) ?? '';
    expect(apiKey).toMatch(new RegExp(`^${appId}\\.[^:]+:.{16,}$`));
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
    await screenshot('secret-dialog');
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const card = page.locator('[data-key-name="backend"]');
    await card.getByText('Active').waitFor();
    await page.reload();
    await card.getByText('Active').waitFor();
    const secret = apiKey.slice(apiKey.indexOf(':') + 1);
    expect(await page.content()).not.toContain(secret);
  });

  it('the key mints a token that connects, publishes and receives through a cloud-mode gateway', async () => {
    const rest = new RelayBoxRest({ apiKey, url: stack.gateway.url });
    const { token } = await rest.createToken({ clientId: 'e2e-user' });
    const relay = new RelayBox({ url: wsUrl(), token, WebSocket });
    try {
      await relay.connect();
      const room = await relay.join('chat:lobby');
      const got: unknown[] = [];
      room.subscribe('message', (msg) => got.push(msg.data));
      const ack = await room.publish('message', { text: 'hello' });
      expect(ack.seq).toBe(1);
      await rest.publish('chat:lobby', 'message', { text: 'from backend' });
      for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([{ text: 'hello' }, { text: 'from backend' }]);
    } finally {
      await relay.close();
    }
  });

  it('rotating shows the new secret once; the old secret stops working', async () => {
    const card = page.locator('[data-key-name="backend"]');
    await card.getByRole('button', { name: 'Rotate' }).click();
    await page
      .getByRole('dialog', { name: 'Rotate key "backend"?' })
      .getByRole('button', { name: 'Rotate key' })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    const rotated = (await dialog.getByTestId('secret-value').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(rotated.split(':')[0]).toBe(apiKey.split(':')[0]);
    expect(rotated).not.toBe(apiKey);
    const old = new RelayBoxRest({ apiKey, url: stack.gateway.url });
    await expect(refusedWithin5s(old)).resolves.toBe(401);
    apiKey = rotated;
    const ack = await new RelayBoxRest({ apiKey, url: stack.gateway.url }).publish(
      'chat:lobby',
      'message',
      'rotated',
    );
    expect(ack.seq).toBeGreaterThan(0);
  });

  it('revoking the key in the UI makes the gateway refuse it within 5 s', async () => {
    const rest = new RelayBoxRest({ apiKey, url: stack.gateway.url });
    const card = page.locator('[data-key-name="backend"]');
    await card.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke key "backend"?' });
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await card.locator('.badge', { hasText: 'Revoked' }).waitFor();
    expect(await refusedWithin5s(rest)).toBe(401);
    const relay = new RelayBox({ url: wsUrl(), apiKey, WebSocket });
    await expect(relay.connect()).rejects.toMatchObject({ status: 401 });
    await relay.close();
    await screenshot('key-revoked');
  });

  it('adds a webhook endpoint, sends a signed test event and shows the delivery log', async () => {
    receiver = await startWebhookReceiver();
    const hookUrl = receiver.url;
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhook endpoints').waitFor();
    await page.getByLabel('Endpoint URL').fill(hookUrl);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: 'Webhook signing secret' });
    const secret = (await dialog.getByTestId('secret-value').textContent()) ?? '';
    await dialog.getByRole('button', { name: 'I have stored it' }).click();
    const card = page.locator(`[data-webhook-url="${hookUrl}"]`);
    await card.getByRole('button', { name: 'Send test event' }).click();
    await card.getByRole('table').getByText('OK 200').waitFor();
    expect(receiver.requests).toHaveLength(1);
    // A real try, reported as a cloud-mode webhook worker reports it, joins the log beside the test send.
    const serviceAuth = { authorization: `Bearer ${stack.serviceToken}` };
    const config = await (
      await fetch(`${stack.apiUrl}/internal/v1/apps/${appId}/config`, { headers: serviceAuth })
    ).json();
    const endpointId = (config as { webhooks: Array<{ id: string }> }).webhooks[0]?.id;
    const reported = await fetch(`${stack.apiUrl}/internal/v1/webhooks/deliveries`, {
      method: 'POST',
      headers: { ...serviceAuth, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          {
            appId,
            endpointId,
            eventId: 'evt_real_0001',
            type: 'room.joined',
            attempt: 2,
            status: 500,
            latencyMs: 12,
            at: Date.now(),
          },
        ],
      }),
    });
    expect(await reported.json()).toEqual({ stored: 1 });
    // The open log refreshes by itself (every 3 s).
    const realRow = card.getByRole('row').filter({ hasText: 'evt_real_0001' });
    await realRow.waitFor();
    expect(await realRow.textContent()).toContain('try 2');
    expect(await realRow.textContent()).toContain('Failed 500');
    expect(await card.getByRole('row').filter({ hasText: 'test event' }).count()).toBe(1);
    const [delivery] = receiver.requests;
    expect(() =>
      verifyWebhook({ body: delivery!.body, headers: delivery!.headers as never, secret }),
    ).not.toThrow();
    // A dead letter, reported as a cloud-mode webhook worker reports it, joins the dead-letter list.
    const dead = await fetch(`${stack.apiUrl}/internal/v1/webhooks/dead-letters`, {
      method: 'POST',
      headers: { ...serviceAuth, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          {
            op: 'add',
            appId,
            endpointId,
            eventId: 'evt_dead_0001',
            type: 'room.joined',
            attempts: 13,
            reason: 'exhausted',
            lastStatus: 503,
            failedAt: Date.now(),
          },
        ],
      }),
    });
    expect(await dead.json()).toEqual({ stored: 1 });
    const letters = page.getByRole('table', { name: 'Dead letters' });
    const letterRow = letters.getByRole('row').filter({ hasText: 'evt_dead_0001' });
    await letterRow.waitFor();
    for (const shown of ['room.joined', hookUrl, '13', 'HTTP 503', 'exhausted']) {
      expect(await letterRow.textContent()).toContain(shown);
    }
    await screenshot('webhooks');
    // The requeue reaches the real cloud gateway, whose list never held this letter (it was only
    // reported here): the dashboard says so and drops it.
    await letterRow.getByRole('button', { name: 'Requeue' }).click();
    await page.getByRole('alert').filter({ hasText: "no longer on the gateways' list" }).waitFor();
    await page.getByText('No dead letters').waitFor();
    await card.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this endpoint?' })
      .getByRole('button', { name: 'Delete endpoint' })
      .click();
    await page.getByText('No webhook endpoints').waitFor();
  });

  it('charts usage per day', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    // What a cloud-mode gateway reports (internal API); the charts must pick it up.
    const report = await fetch(`${stack.apiUrl}/internal/v1/usage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.serviceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        nodeId: 'gw-e2e',
        items: [{ appId, ts: Date.now(), connections: 12, messages: 340, concurrent: 7 }],
      }),
    });
    expect(report.status).toBe(204);
    await page.reload();
    await page.getByRole('img', { name: /^Connections per day/ }).waitFor();
    // The gateway of this test reports its own traffic too (every 10 s), so at least ours shows.
    const labels = await page
      .locator('figure.chart svg')
      .evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label') ?? ''));
    const figure = (name: string) =>
      Number(
        labels
          .find((l) => l.startsWith(name))
          ?.match(/([\d,]+)$/)?.[1]
          ?.replaceAll(',', ''),
      );
    expect(figure('Connections per day')).toBeGreaterThanOrEqual(12);
    expect(figure('Messages per day')).toBeGreaterThanOrEqual(340);
    expect(figure('Peak concurrent per day')).toBeGreaterThanOrEqual(7);
    await screenshot('usage');
  });

  it('fits a 375 px wide screen on every page without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    const base = `${stack.frontUrl}/apps/${encodeURIComponent(appId)}`;
    for (const [name, path] of [
      ['apps', stack.frontUrl],
      ['keys', `${base}/keys`],
      ['webhooks', `${base}/webhooks`],
      ['auth', `${base}/auth`],
      ['usage', `${base}/usage`],
      ['settings', `${base}/settings`],
    ] as const) {
      await page.goto(path);
      await page.locator('.state-loading').first().waitFor({ state: 'detached' });
      if (name === 'keys') await page.getByRole('button', { name: 'New key' }).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(scrollWidth, `${name} page`).toBeLessThanOrEqual(innerWidth);
      await screenshot(`mobile-${name}`);
    }
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  it('renames the app, signs out and in, and deletes the app after its name is typed', async () => {
    await page.getByLabel('App name', { exact: true }).fill('e2e-renamed');
    await page.getByLabel('Max connections').fill('250');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('heading', { name: 'e2e-renamed' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('email or password is wrong').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'e2e-renamed' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();
    expect(await page.getByLabel('Max connections').inputValue()).toBe('250');

    const remove = page.getByRole('button', { name: 'Delete this app' });
    const confirmName = page.getByLabel('Type the app name to confirm');
    await confirmName.fill('e2e-renam');
    expect(await remove.isDisabled()).toBe(true);
    await confirmName.fill('e2e-renamed');
    await remove.click();
    await page.getByText('No apps yet').waitFor();
  });

  it('sends a user whose session ended back to sign in, then back to the page', async () => {
    await page.getByLabel('New app name').fill('after-expiry');
    await context.clearCookies();
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No apps yet').waitFor();
  });

  it('serves its pages with a strict CSP, no framing and nosniff, and ran without a CSP violation', async () => {
    const response = await page.goto(`${stack.frontUrl}/`);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    await page.getByText('No apps yet').waitFor();
    expect(cspViolations).toEqual([]);
  });

  it('shows the API error when the control plane is down', async () => {
    await stack.stopControlPlane();
    await page.reload();
    const alert = page.getByRole('alert');
    await alert.getByText('Could not load the dashboard').waitFor();
    await alert.getByText(/The control plane is unavailable \(HTTP 502\)/).waitFor();
    await screenshot('api-down');
  });
});
