import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { launchChromium, SCREENSHOTS } from './web-harness.js';
import { type DashboardStack, startDashboardStack } from './web-stack.js';

// The dashboard's Auth tab in headless Chromium against the real control plane (fresh PostgreSQL)
// and a real cloud-mode gateway: settings and a provider saved in the page are applied by the
// gateway's auth service (sign-up, the per-user policy at the WebSocket, MFA off, the redirect
// allow list, the provider's client id), and the client secret never comes back to the page.

const CLIENT_SECRET = `gh-secret-${randomBytes(8).toString('hex')}`;
const PASSWORD = 'correct horse battery staple';
let stack: DashboardStack;
let browser: Browser;
let page: Page;
let appId = '';

const screenshot = (name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}dashboard-auth-${name}.png`, fullPage: true });

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await startDashboardStack();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  context.setDefaultTimeout(10_000);
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page)
    await screenshot(`failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`);
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are read loosely; a wrong shape fails the assertion
  body: any;
}

async function gateway(path: string, body: unknown, bearer?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(`${stack.gateway.url}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** The first frame the gateway sends after the upgrade, then a join's answer. */
async function joinWith(
  token: string,
  room: string,
): Promise<{ connected: unknown; join: { type: string } }> {
  const ws = new WebSocket(`ws://127.0.0.1:${stack.gateway.port}/v1/ws`, [
    'relaybox.v1',
    `relaybox.token.${token}`,
  ]);
  const frames: Array<{ type: string; ref?: number }> = [];
  const next = (predicate: (f: { type: string; ref?: number }) => boolean) =>
    new Promise<{ type: string; ref?: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame; got ${JSON.stringify(frames)}`)), 5000);
      const check = () => {
        const found = frames.find(predicate);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else setTimeout(check, 20);
      };
      check();
    });
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  try {
    const connected = await next((f) => f.type === 'connected');
    ws.send(JSON.stringify({ type: 'join', room, ref: 1 }));
    const join = await next((f) => f.ref === 1);
    return { connected, join };
  } finally {
    ws.close();
  }
}

describe('dashboard Auth tab', () => {
  it('signs up, creates an app, and shows the Auth tab with the pool off', async () => {
    await page.goto(stack.frontUrl);
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('Email').fill(`auth-${randomBytes(4).toString('hex')}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByLabel('New app name').fill('auth-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'auth-app' }).waitFor();
    appId = /\/apps\/([^/]+)/.exec(page.url())?.[1] ?? '';
    expect(appId).not.toBe('');
    await page.getByRole('link', { name: 'Auth' }).click();
    await page.getByRole('heading', { name: 'Auth', exact: true }).waitFor();
    expect(await page.locator('input[name=enabled]').isChecked()).toBe(false);
    const off = await gateway(`/v1/auth/${appId}/signup`, { email: 'a@example.com', password: PASSWORD });
    expect(off.body.error?.code).toBe('auth_not_enabled');
  });

  it('saves the settings and a GitHub provider; the secret is write-only', async () => {
    await page.locator('input[name=enabled]').check();
    await page.locator('select[name=mfa]').selectOption('off');
    await page.locator('textarea[name=redirectUris]').fill('https://shop.example/callback');
    await page.getByLabel('Room pattern 1').fill('chat:>');
    await page.locator('input[name=appName]').fill('Shop');
    await page.locator('input[name=resetUrl]').fill('https://shop.example/reset');
    await page.locator('input[name=perAccount]').fill('7');
    await page.getByRole('button', { name: 'Save auth settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const form = page.getByRole('form', { name: 'Add a sign-in provider' });
    await form.locator('input[name=providerId]').fill('github');
    await form.locator('select[name=kind]').selectOption('github');
    await form.locator('input[name=clientId]').fill('gh-client-id');
    await form.locator('input[name=clientSecret]').fill(CLIENT_SECRET);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await page.locator('[data-provider=github]').waitFor();
    expect(await form.locator('input[name=clientSecret]').inputValue()).toBe('');
    await screenshot('saved');

    // After a reload everything comes back from the server, except the secret.
    await page.reload();
    await page.locator('[data-provider=github]').waitFor();
    expect(await page.locator('input[name=enabled]').isChecked()).toBe(true);
    expect(await page.locator('select[name=mfa]').inputValue()).toBe('off');
    expect(await page.locator('textarea[name=redirectUris]').inputValue()).toBe(
      'https://shop.example/callback',
    );
    expect(await page.getByLabel('Room pattern 1').inputValue()).toBe('chat:>');
    expect(await page.locator('input[name=appName]').inputValue()).toBe('Shop');
    expect(await page.locator('input[name=resetUrl]').inputValue()).toBe('https://shop.example/reset');
    expect(await page.locator('input[name=verifyUrl]').inputValue()).toBe('');
    expect(await page.locator('input[name=perAccount]').inputValue()).toBe('7');
    expect(await page.content()).not.toContain(CLIENT_SECRET);
  });

  it('the gateway applies them: sign-up, the user policy at the WebSocket, MFA off, the redirect allow list', async () => {
    const email = `u${randomBytes(4).toString('hex')}@example.com`;
    let up = await gateway(`/v1/auth/${appId}/signup`, { email, password: PASSWORD });
    for (let i = 0; i < 50 && up.status === 404; i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = await gateway(`/v1/auth/${appId}/signup`, { email, password: PASSWORD });
    }
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const token = up.body.session.accessToken as string;
    expect((await joinWith(token, 'chat:lobby')).join.type).toBe('ack');
    expect((await joinWith(token, 'admin:panel')).join).toMatchObject({
      type: 'error',
      error: { code: 'permission_denied' },
    });
    const enroll = await gateway(`/v1/auth/${appId}/mfa/totp/enroll`, {}, token);
    expect(enroll.body.error?.code).toBe('permission_denied');
    const started = await gateway(`/v1/auth/${appId}/oauth/github/start`, {
      redirectUri: 'https://shop.example/callback',
    });
    expect(started.status).toBe(200);
    expect(new URL(started.body.url).searchParams.get('client_id')).toBe('gh-client-id');
    const refused = await gateway(`/v1/auth/${appId}/oauth/github/start`, {
      redirectUri: 'https://evil.example/callback',
    });
    expect(refused.body.error?.code).toBe('oauth_redirect_not_allowed');
  });

  it('replaces the secret from the page and deletes the provider', async () => {
    await page.locator('[data-provider=github] input[name=newClientSecret]').fill('a-new-secret-value');
    await page.locator('[data-provider=github]').getByRole('button', { name: 'Replace secret' }).click();
    await page.getByText('Secret replaced.').waitFor();
    await page.getByRole('button', { name: 'Delete github' }).click();
    await page.getByText('No provider yet').waitFor();
    let gone = await gateway(`/v1/auth/${appId}/oauth/github/start`, {
      redirectUri: 'https://shop.example/callback',
    });
    for (let i = 0; i < 50 && gone.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = await gateway(`/v1/auth/${appId}/oauth/github/start`, {
        redirectUri: 'https://shop.example/callback',
      });
    }
    expect(gone.status).toBe(404);
  });

  it('lists the users a page at a time; revoking closes a connected client, disabling marks the user', async () => {
    const emails = Array.from(
      { length: 21 },
      (_, i) => `p${String(i).padStart(2, '0')}-${randomBytes(3).toString('hex')}@example.com`,
    );
    const tokens: string[] = [];
    for (const email of emails) {
      const up = await gateway(`/v1/auth/${appId}/signup`, { email, password: PASSWORD });
      expect(up.status, JSON.stringify(up.body)).toBe(201);
      tokens.push(up.body.session.accessToken);
    }
    // 22 users (one from the test above): 20 on the first page, 2 on the next.
    await page.reload();
    const users = page.getByRole('region', { name: 'Users' });
    await users.locator('[data-user]').first().waitFor();
    expect(await users.locator('[data-user]').count()).toBe(20);
    await users.getByRole('button', { name: 'Next page' }).click();
    await users.locator(`[data-user="${emails[20]}"]`).waitFor();
    expect(await users.locator('[data-user]').count()).toBe(2);

    // A connected client of that user is closed by "Revoke sessions" (pushed to the gateway).
    const ws = new WebSocket(`ws://127.0.0.1:${stack.gateway.port}/v1/ws`, [
      'relaybox.v1',
      `relaybox.token.${tokens[20]}`,
    ]);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    await users.getByRole('button', { name: `Revoke sessions of ${emails[20]}` }).click();
    await users.getByText('Sessions revoked (1).').waitFor();
    const result = await Promise.race([
      closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not closed within 5 s')), 5000)),
    ]);
    expect(result).toEqual({ code: 4100, reason: 'user session revoked' });

    await users.getByRole('button', { name: `Disable ${emails[20]}` }).click();
    await users.getByRole('button', { name: `Enable ${emails[20]}` }).waitFor();
    await screenshot('users');
    const signIn = await gateway(`/v1/auth/${appId}/signin`, { email: emails[20], password: PASSWORD });
    expect(signIn.body.error?.code).toBe('user_disabled');
    await users.getByRole('button', { name: 'First page' }).click();
    await users.locator(`[data-user="${emails[0]}"]`).waitFor();
  });
});
