import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectSdk, consoleInBrowser, openTab, screenshot } from './console-harness.js';

// Console actions in real headless Chromium against a real embedded gateway (admin API on).

const WAIT = { timeout: 10_000 };
const uid = () => randomBytes(3).toString('hex');

const ui = consoleInBrowser();

describe('console actions', () => {
  it('disconnects a connection from the connections table; the SDK client reconnects', async () => {
    const clientId = `kicked-${uid()}`;
    const relay = await connectSdk(ui.stack.origin, ui.stack.devApiKey, clientId);
    ui.clients.push(relay);
    const states: string[] = [];
    relay.connection.on('statechange', (change) => states.push(change.current));
    const connectionId = relay.connectionId!;
    await openTab(ui.page, 'Connections');
    const row = ui.page.getByTestId('connection-row').filter({ hasText: connectionId });
    await row.waitFor(WAIT);
    await row.getByRole('button', { name: `disconnect ${clientId}` }).click();
    // 4004 is a reconnect code: the client drops, then comes back (resuming its session).
    await expect.poll(() => states, WAIT).toEqual(expect.arrayContaining(['disconnected', 'connected']));
    expect(states.indexOf('disconnected')).toBeLessThan(states.lastIndexOf('connected'));
    await ui.page.getByTestId('connection-row').filter({ hasText: clientId }).waitFor(WAIT);
    expect(await ui.page.getByRole('alert').count()).toBe(0);
    await screenshot(ui.page, 'console-disconnected');
    expect(ui.problems).toEqual([]);
  });

  it("clears a room's history from the room page; the numbering continues", async () => {
    const room = `chat:${uid()}`;
    const relay = await connectSdk(ui.stack.origin, ui.stack.devApiKey, `writer-${uid()}`);
    ui.clients.push(relay);
    const joined = await relay.join(room);
    for (let n = 1; n <= 3; n++) await joined.publish('note', { n });
    await ui.page.goto(`${ui.stack.origin}/console/rooms/dev/${encodeURIComponent(room)}`);
    const messages = ui.page.getByRole('region', { name: 'messages' });
    await expect.poll(() => messages.getByTestId('room-message').count(), WAIT).toBe(3);
    ui.page.once('dialog', (dialog) => void dialog.accept());
    await messages.getByRole('button', { name: 'Clear history' }).click();
    await messages.getByRole('status').getByText('3 message(s) removed').waitFor(WAIT);
    await messages.getByText('No message in this room’s history yet.').waitFor(WAIT);
    const next = await joined.publish('note', { n: 4 });
    expect(next.seq).toBe(4);
    await messages.getByTestId('room-message').filter({ hasText: '#4' }).waitFor(WAIT);
    expect(await messages.getByTestId('room-message').count()).toBe(1);
    await screenshot(ui.page, 'console-history-cleared');
    expect(ui.problems).toEqual([]);
  });
});
