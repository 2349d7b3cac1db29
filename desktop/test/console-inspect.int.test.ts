import { randomBytes } from 'node:crypto';
import { RelayBox } from '@relaybox/client';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectSdk, consoleInBrowser, openTab, screenshot } from './console-harness.js';

// The room page's rate chart and the per-connection page, in real headless Chromium against a real
// embedded gateway (admin API on).

const WAIT = { timeout: 10_000 };
const uid = () => randomBytes(3).toString('hex');

const ui = consoleInBrowser();

describe('console inspection', () => {
  it('draws the message rate over a window of 10 s or more, live', async () => {
    const room = `rate:${uid()}`;
    const relay = await connectSdk(ui.stack.origin, ui.stack.devApiKey, `rater-${uid()}`);
    ui.clients.push(relay);
    const joined = await relay.join(room);
    await ui.page.goto(`${ui.stack.origin}/console/rooms/dev/${encodeURIComponent(room)}`);
    const chart = ui.page.getByTestId('rate-chart');
    await chart.waitFor(WAIT);
    // About 5 msg/s until the chart holds 12 readings (one per second of polling).
    let n = 0;
    const points = async () => Number(await chart.getAttribute('data-points'));
    const deadline = Date.now() + 40_000;
    while ((await points()) < 12 && Date.now() < deadline) {
      await joined.publish('tick', { n: n++ });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await points()).toBeGreaterThanOrEqual(12);
    expect(await chart.locator('circle.point').count()).toBeGreaterThanOrEqual(12);
    await chart.locator('text.tick', { hasText: /^now$/ }).waitFor(WAIT);
    await chart.locator('text.tick', { hasText: '−60 s' }).waitFor(WAIT);
    // The rate reached the chart (some reading above zero).
    await expect.poll(() => chart.locator('figcaption').textContent(), WAIT).toMatch(/peak [1-9]/);
    await screenshot(ui.page, 'console-rate-chart');
    expect(ui.problems).toEqual([]);
  }, 60_000);

  it('opens a connection from the table: identity, rooms, presence and frames, tokens redacted', async () => {
    ui.page.setDefaultTimeout(15_000);
    const clientId = `inspected-${uid()}`;
    const room = `chat:${uid()}`;
    // The SDK's socket is kept, so the test can also send a frame the SDK would not.
    let socket: WebSocket | undefined;
    class KeptWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        socket = this;
      }
    }
    const relay = new RelayBox({
      url: `${ui.stack.origin.replace(/^http/, 'ws')}/v1/ws`,
      apiKey: ui.stack.devApiKey,
      clientId,
      WebSocket: KeptWebSocket as never,
    });
    await relay.connect();
    ui.clients.push(relay);
    const connectionId = relay.connectionId!;
    await openTab(ui.page, 'Connections');
    await ui.page
      .getByTestId('connection-row')
      .filter({ hasText: clientId })
      .getByRole('link', { name: connectionId, exact: true })
      .click();
    const view = ui.page.getByRole('region', { name: `connection ${connectionId}` });
    await view.getByTestId('connection-facts').getByText(clientId).waitFor(WAIT);
    // Recording starts with the page: what the client does now appears in the frame lists.
    await view.getByText('Recording since').waitFor(WAIT);
    const frameIn = view.getByRole('region', { name: 'frames in' });
    const frameOut = view.getByRole('region', { name: 'frames out' });
    const joined = await relay.join(room);
    const received: unknown[] = [];
    joined.subscribe((message) => received.push(message));
    await joined.presence.enter({ mood: 'curious' });
    // Published once the subscription is live (the subscribe frame was acked and recorded).
    await frameIn.locator('[data-testid="frame"][data-type="subscribe"]').waitFor(WAIT);
    await expect.poll(() => view.getByText('messages on').count(), WAIT).toBe(1);
    await joined.publish('note', { n: 1 });
    await frameIn.locator('[data-testid="frame"][data-type="publish"]').waitFor(WAIT);
    await frameOut.locator('[data-testid="frame"][data-type="message"]').first().waitFor(WAIT);
    const roomRow = view.getByTestId('connection-room').filter({ hasText: room });
    await roomRow.getByTestId('connection-presence').getByText('curious').waitFor(WAIT);
    await roomRow.getByText('messages on').waitFor(WAIT);
    // A raw refresh frame with a JWT-shaped token: its preview never shows the token.
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0LXNpZ25hdHVyZQ';
    socket?.send(JSON.stringify({ type: 'refresh', ref: 999_001, token: jwt }));
    await frameIn.locator('[data-testid="frame"][data-type="refresh"]').waitFor(WAIT);
    expect(await view.textContent()).not.toContain(jwt);
    expect(await frameIn.locator('[data-testid="frame"][data-type="refresh"]').textContent()).toContain(
      '[redacted]',
    );
    await screenshot(ui.page, 'console-connection-page');
    expect(ui.problems).toEqual([]);
  }, 60_000);
});
