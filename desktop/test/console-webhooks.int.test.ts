import { randomBytes } from 'node:crypto';
import { API_KEY_PROTOCOL_PREFIX, PROTOCOL } from '@relaybox/protocol';
import { RelayBoxRest } from '@relaybox/rest';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectSdk, consoleInBrowser, openTab, screenshot } from './console-harness.js';

// The Webhooks view (inbox, delivery log, dead letters) and the permission explainer in real
// headless Chromium against a real embedded gateway whose webhook worker posts to its own inbox.

const WAIT = { timeout: 15_000 };
const uid = () => randomBytes(3).toString('hex');

// 1 ms between tries: 13 failing tries (and the dead letter) within a few seconds.
const ui = consoleInBrowser({ env: { RELAYBOX_WEBHOOK_BASE_DELAY_MS: '1' }, height: 900 });

/** The event id of the `room.joined` webhook of `room`, as the inbox shows it (the body names the room). */
async function joinedEventId(room: string): Promise<string> {
  const request = ui.page
    .getByRole('region', { name: 'webhook inbox' })
    .getByTestId('inbox-request')
    .filter({ hasText: 'room.joined' })
    .filter({ hasText: room });
  await request.first().waitFor(WAIT);
  return (await request.first().getAttribute('data-event-id')) as string;
}

describe('console webhooks', () => {
  it('creates the inbox with one click; a delivery shows verified; replay delivers it again with the same event id', async () => {
    await openTab(ui.page, 'Webhooks');
    const inbox = ui.page.getByRole('region', { name: 'webhook inbox' });
    await inbox.getByRole('button', { name: 'Create inbox' }).click();
    await expect
      .poll(() => inbox.getByTestId('inbox-url').textContent(), WAIT)
      .toContain('/v1/dev/inbox/inb_');

    const room = `hooks:${uid()}`;
    const relay = await connectSdk(ui.stack.origin, ui.stack.devApiKey, `hooked-${uid()}`);
    ui.clients.push(relay);
    await relay.join(room);
    const eventId = await joinedEventId(room);
    const same = inbox.locator(`[data-testid="inbox-request"][data-event-id="${eventId}"]`);
    await expect.poll(() => same.count(), WAIT).toBe(1);
    expect(await same.first().getAttribute('data-verified')).toBe('true');
    await same.first().getByText('signature verified').waitFor(WAIT);

    await same.first().getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => same.count(), WAIT).toBe(2);
    expect(await same.nth(0).getAttribute('data-verified')).toBe('true');
    expect(await same.nth(1).getAttribute('data-verified')).toBe('true');
    await screenshot(ui.page, 'console-webhook-inbox');
    expect(ui.problems).toEqual([]);
  });

  it('a failing endpoint: its tries in the delivery log, its dead letter, and requeue delivers it', async () => {
    await openTab(ui.page, 'Webhooks');
    const inbox = ui.page.getByRole('region', { name: 'webhook inbox' });
    await inbox.getByRole('combobox', { name: 'inbox answer' }).selectOption('500');
    await expect
      .poll(() => inbox.getByRole('combobox', { name: 'inbox answer' }).inputValue(), WAIT)
      .toBe('500');
    const room = `failing:${uid()}`;
    const relay = await connectSdk(ui.stack.origin, ui.stack.devApiKey, `failing-${uid()}`);
    ui.clients.push(relay);
    await relay.join(room);

    const dead = ui.page.getByRole('region', { name: 'dead letters' });
    const letter = dead.getByTestId('dead-letter').filter({ hasText: 'room.joined' }).first();
    await letter.waitFor({ timeout: 30_000 });
    await letter.getByText('exhausted').waitFor(WAIT);
    const eventId = (await letter.getAttribute('data-event-id')) as string;
    const log = ui.page.getByRole('region', { name: 'delivery log' });
    await expect
      .poll(() => log.getByTestId('delivery-attempt').filter({ hasText: eventId }).count(), WAIT)
      .toBe(13);
    expect(
      await log
        .locator('[data-testid="delivery-attempt"][data-status="500"]')
        .filter({ hasText: eventId })
        .count(),
    ).toBe(13);
    await screenshot(ui.page, 'console-webhook-dead-letter');

    await inbox.getByRole('combobox', { name: 'inbox answer' }).selectOption('200');
    await expect
      .poll(() => inbox.getByRole('combobox', { name: 'inbox answer' }).inputValue(), WAIT)
      .toBe('200');
    await dead
      .locator(`[data-testid="dead-letter"][data-event-id="${eventId}"]`)
      .getByRole('button', { name: 'Requeue' })
      .click();
    const delivered = inbox
      .locator(`[data-testid="inbox-request"][data-event-id="${eventId}"]`)
      .filter({ hasText: 'answered 200' });
    await delivered.first().waitFor(WAIT);
    expect(await delivered.first().getAttribute('data-verified')).toBe('true');
    await expect
      .poll(() => dead.locator(`[data-testid="dead-letter"][data-event-id="${eventId}"]`).count(), WAIT)
      .toBe(0);
    expect(ui.problems).toEqual([]);
  });
});

describe('console permission explainer', () => {
  it('a refused upgrade in the live feed links to its explanation, which names the failed check', async () => {
    await openTab(ui.page, 'Traces');
    await ui.page.getByRole('region', { name: 'live events' }).getByText('live').first().waitFor(WAIT);
    const [appId, rest] = ui.stack.devApiKey.split('.');
    const keyId = (rest as string).split(':')[0];
    const badKey = `${appId}.${keyId}:wrong-secret-${uid()}`;
    const url = `${ui.stack.origin.replace(/^http/, 'ws')}/v1/ws`;
    const ws = new WebSocket(url, [
      PROTOCOL,
      `${API_KEY_PROTOCOL_PREFIX}${Buffer.from(badKey).toString('base64url')}`,
    ]);
    await new Promise<void>((resolve) => {
      ws.once('unexpected-response', () => resolve());
      ws.once('error', () => resolve());
      ws.once('open', () => resolve());
    });
    ws.terminate();
    const failed = ui.page.locator('[data-testid="live-event"][data-type="auth.failed"]').first();
    await failed.waitFor(WAIT);
    await failed.getByRole('link', { name: 'why?' }).click();
    const check = ui.page.getByTestId('failed-check');
    await check.waitFor(WAIT);
    expect(await check.getAttribute('data-check')).toBe('key');
    expect(await check.textContent()).toContain('api_key_invalid');
    await screenshot(ui.page, 'console-explain-refusal');
    expect(ui.problems).toEqual([]);
  });

  it('for a pasted token narrower than its key, names the token’s pattern as the decider', async () => {
    const rest = new RelayBoxRest({ apiKey: ui.stack.devApiKey, url: ui.stack.origin });
    const { token } = await rest.createToken({
      clientId: 'pasted',
      permissions: { 'chat:*': ['subscribe'] },
    });
    await openTab(ui.page, 'Explain');
    const form = ui.page.getByRole('form', { name: 'explain' });
    await form.getByRole('combobox', { name: 'subject' }).selectOption('token');
    await form.getByLabel('Token').fill(token);
    await form.getByLabel('Room').fill('chat:lobby');
    await form.getByRole('combobox', { name: 'operation' }).selectOption('publish');
    await form.getByRole('button', { name: 'Explain' }).click();
    const decision = ui.page.getByTestId('decision');
    await decision.waitFor(WAIT);
    expect(await decision.getAttribute('data-allowed')).toBe('false');
    expect(await decision.textContent()).toContain('the token\'s pattern "chat:*"');
    const subscribe = ui.page.locator('[data-testid="room-decision"][data-operation="subscribe"]');
    expect(await subscribe.getAttribute('data-allowed')).toBe('true');
    // The explanation shows the claims, never the token's signature.
    const text = (await ui.page.getByTestId('explanation').textContent()) ?? '';
    expect(text).toContain('pasted');
    expect(text).not.toContain(token.split('.')[2] as string);
    await screenshot(ui.page, 'console-explain-token');
    expect(ui.problems).toEqual([]);
  });

  it('a connection of the connections table links to its permissions', async () => {
    const relay = await connectSdk(ui.stack.origin, ui.stack.devApiKey, `explained-${uid()}`);
    ui.clients.push(relay);
    await openTab(ui.page, 'Connections');
    const row = ui.page.getByTestId('connection-row').filter({ hasText: relay.connectionId as string });
    await row.waitFor(WAIT);
    await row.getByRole('link', { name: 'permissions' }).click();
    const layer = ui.page.getByTestId('layer');
    await layer.first().waitFor(WAIT);
    expect(await layer.allTextContents()).toEqual([expect.stringMatching(/^key/)]);
    expect(await ui.page.getByTestId('explanation').textContent()).toContain('apiKey');
    expect(ui.problems).toEqual([]);
  });
});
