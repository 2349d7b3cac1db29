import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthRelayBox } from '@relaybox/client/auth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type ConsoleStack,
  ensureConsoleBuilt,
  launchChromium,
  openTab,
  screenshot,
  startConsoleStack,
  watchPage,
} from './console-harness.js';

// The Auth view in real headless Chromium against a real embedded gateway: a user signed up with the
// client SDK shows up, a session revoked from the view closes the SDK's connection, the verification
// mail shows in the dev mailbox with its link, and the auth events show with readable labels.

const WAIT = { timeout: 15_000 };
const PASSWORD = 'correct horse battery staple';
const VERIFY_URL = 'http://127.0.0.1:9/verify';

let stack: ConsoleStack;
let browser: Browser;
let page: Page;
let problems: string[];

beforeAll(async () => {
  ensureConsoleBuilt();
  const file = join(mkdtempSync(join(tmpdir(), 'rb-console-auth-')), 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'dev',
          keys: [{ id: 'backend', secret: `backend-${randomBytes(12).toString('hex')}` }],
          auth: { emailLinks: { verifyUrl: VERIFY_URL } },
        },
      ],
    }),
  );
  stack = await startConsoleStack({ RELAYBOX_CONFIG: file });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  problems = watchPage(page);
  await page.goto(`${stack.origin}/console/#token=${stack.adminToken}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('console auth view', () => {
  it('shows a new user, revokes its session (the SDK connection closes), shows the verification mail', async () => {
    await openTab(page, 'Auth');
    const events = page.getByRole('region', { name: 'auth events' });
    await events.getByText('live', { exact: true }).waitFor(WAIT);

    const email = `ada-${randomBytes(3).toString('hex')}@example.com`;
    const relay = new AuthRelayBox({
      url: `${stack.origin.replace(/^http/, 'ws')}/v1/ws`,
      appId: 'dev',
      WebSocket: WebSocket as never,
    });
    const { user } = await relay.auth.signUp({ email, password: PASSWORD });
    await relay.connect();
    expect(relay.clientId).toBe(user?.id);

    const row = page.locator(`[data-testid="auth-user"][data-email="${email}"]`);
    await row.waitFor(WAIT);
    await expect.poll(() => row.getByTestId('last-sign-in').textContent(), WAIT).toMatch(/ago/);
    expect(await row.getByTestId('user-status').textContent()).toBe('active');

    // The verification mail, asked for with the user's access token, lands in the dev mailbox.
    const asked = await fetch(`${stack.origin}/v1/auth/dev/verify-email/request`, {
      method: 'POST',
      headers: { authorization: `Bearer ${relay.auth.session?.accessToken}` },
    });
    expect(asked.status).toBe(202);
    const mail = page
      .getByRole('region', { name: 'dev mailbox' })
      .locator(`[data-testid="dev-mail"][data-to="${email}"]`);
    await mail.waitFor(WAIT);
    const link = mail.getByTestId('mail-link').first();
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${VERIFY_URL}#token=[A-Za-z0-9_-]+$`));
    await mail.locator('summary').click();
    await expect.poll(() => mail.locator('pre').textContent(), WAIT).toContain(VERIFY_URL);

    // Revoke the session from the user's sessions: the SDK's connection is closed by the gateway.
    await row.getByRole('button', { name: 'Sessions', exact: true }).click();
    const sessions = page.getByRole('region', { name: `sessions of ${user?.id}` });
    const session = sessions.locator(
      `[data-testid="auth-session"][data-session-id="${relay.auth.session?.sessionId}"]`,
    );
    await session.waitFor(WAIT);
    await session.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => relay.connection.state, WAIT).toMatch(/^(failed|closed)$/);
    await expect.poll(() => session.getAttribute('data-revoked'), WAIT).toBe('true');

    const revoked = events.locator('[data-testid="auth-event"][data-type="auth.revoked"]');
    await revoked.first().waitFor(WAIT);
    expect(await revoked.first().textContent()).toContain('Sessions revoked');
    await events.locator('[data-testid="auth-event"][data-type="auth.signup"]').first().waitFor(WAIT);

    // Disable: the row says so and sign-in is refused; enable brings it back.
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => row.getByTestId('user-status').textContent(), WAIT).toBe('disabled');
    await expect(relay.auth.signIn({ email, password: PASSWORD })).rejects.toMatchObject({
      code: 'user_disabled',
    });
    await row.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => row.getByTestId('user-status').textContent(), WAIT).toBe('active');
    await relay.auth.signIn({ email, password: PASSWORD });
    await events.locator('[data-testid="auth-event"][data-type="auth.signin"]').first().waitFor(WAIT);
    await screenshot(page, 'console-auth');
    await relay.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
