import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import type { RelayBox } from '@relaybox/client';
import { testName } from '@relaybox/core/testing';
import { NativeEngine, type RunningDaemon, startDaemon } from '@relaybox/orchestrator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSdk,
  ensureConsoleBuilt,
  freePort,
  launchChromium,
  openTab,
  screenshot,
  watchPage,
} from './console-harness.js';

// The console's Faults panel and Verify page over the native engine (two gateway processes,
// local Redis and RabbitMQ), driven through the real daemon in headless Chromium.

const WAIT = { timeout: 30_000 };
const prefix = `test-console-faults-${randomBytes(3).toString('hex')}:`;
const exchange = testName('test.console.faults');

let dataDir: string;
let engine: NativeEngine;
let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
let origin: string;
let devApiKey: string;
const clients: RelayBox[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'rb-console-faults-'));
  engine = new NativeEngine({ dataDir, redisPrefix: prefix, amqpExchange: exchange });
  daemon = await startDaemon({ engine, upOptions: { port: await freePort(), gateways: 2 } });
  const up = await fetch(`${daemon.url}/api/stack/up`, {
    method: 'POST',
    headers: { authorization: `Bearer ${daemon.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gateways: 2 }),
  });
  if (!up.ok) throw new Error(`stack up failed: ${up.status} ${await up.text()}`);
  const connection = (await (
    await fetch(`${daemon.url}/api/stack/connection`, {
      headers: { authorization: `Bearer ${daemon.secret}` },
    })
  ).json()) as { origin: string; devApiKey: string };
  origin = connection.origin;
  devApiKey = connection.devApiKey;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchPage(page);
  await page.goto(`${origin}/console/#daemon=${encodeURIComponent(daemon.url)}&secret=${daemon.secret}`);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await browser?.close();
  await daemon?.close();
  await engine?.down();
  await Promise.allSettled([RabbitmqAdmin.deleteExchange(exchange), deleteRedisKeys(prefix)]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('console: faults and the verifier', () => {
  it('injects a RabbitMQ link cut from the Faults panel: the SDK sees retryable refusals; Heal restores it', {
    timeout: 90_000,
  }, async () => {
    const relay = await connectSdk(origin, devApiKey, `console-fault-${randomBytes(3).toString('hex')}`);
    clients.push(relay);
    const room = await relay.join(`faults:console-${randomBytes(3).toString('hex')}`);
    await room.publish('m', 'before');
    const panel = page.getByTestId('faults-panel');
    await panel.waitFor(WAIT);
    await panel.getByTestId('fault-kind').selectOption('link.cut');
    await panel.getByTestId('fault-target').fill('gateway');
    await panel.getByTestId('fault-link').selectOption('amqp');
    await panel.getByTestId('fault-duration').fill('120');
    await panel.getByTestId('fault-inject').click();
    const row = panel.getByTestId('fault-row').filter({ hasText: 'link.cut gateway amqp' });
    await row.filter({ hasText: 'active' }).waitFor(WAIT);
    const refused = await room.publish('m', 'during').then(
      () => undefined,
      (error: { retryable: boolean }) => error,
    );
    expect(refused?.retryable).toBe(true);
    await screenshot(page, 'console-fault-active');
    await row.getByRole('button', { name: 'Heal' }).click();
    await row.filter({ hasText: 'healed (heal)' }).waitFor(WAIT);
    const deadline = Date.now() + 30_000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      ok = await room.publish('m', 'after').then(
        () => true,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 300));
    }
    expect(ok).toBe(true);
  });

  it('makes a picked connection a slow reader (client.slow): it gets nothing until Heal, the other client everything', {
    timeout: 90_000,
  }, async () => {
    const roomName = `faults:slow-${randomBytes(3).toString('hex')}`;
    const slow = await connectSdk(origin, devApiKey, `console-slow-${randomBytes(3).toString('hex')}`);
    const fast = await connectSdk(origin, devApiKey, `console-fast-${randomBytes(3).toString('hex')}`);
    clients.push(slow, fast);
    const got = { slow: [] as unknown[], fast: [] as unknown[] };
    (await slow.join(roomName)).subscribe('m', (m) => got.slow.push(m.data));
    const room = await fast.join(roomName);
    room.subscribe('m', (m) => got.fast.push(m.data));
    const panel = page.getByTestId('faults-panel');
    await panel.getByTestId('fault-kind').selectOption('client.slow');
    const picker = panel.getByTestId('fault-connection');
    const option = picker.locator('option', { hasText: slow.connectionId! });
    await option.waitFor({ state: 'attached', ...WAIT });
    expect(await option.textContent()).toContain(roomName);
    await picker.selectOption(slow.connectionId!);
    await panel.getByTestId('fault-read-rate').fill('0');
    await panel.getByTestId('fault-duration').fill('120');
    await panel.getByTestId('fault-inject').click();
    const row = panel
      .getByTestId('fault-row')
      .filter({ hasText: `client.slow ${slow.connectionId} reads 0 B/s` });
    await row.filter({ hasText: 'active' }).waitFor(WAIT);
    // Applied on the gateway that holds it (through the broker when it is the other one).
    await option.filter({ hasText: 'slowed: reads 0 B/s' }).waitFor({ state: 'attached', ...WAIT });
    await screenshot(page, 'console-fault-slow-client');
    for (const data of ['a', 'b', 'c']) await room.publish('m', data);
    const deadline = Date.now() + 20_000;
    while (got.fast.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got.fast).toEqual(['a', 'b', 'c']);
    expect(got.slow).toEqual([]);
    await row.getByRole('button', { name: 'Heal' }).click();
    await row.filter({ hasText: 'healed (heal)' }).waitFor(WAIT);
    while (got.slow.length < 3 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(got.slow).toEqual(['a', 'b', 'c']);
  });

  it('runs the verifier from the Verify page and renders its report with a chart', {
    timeout: 120_000,
  }, async () => {
    await openTab(page, 'Verify');
    await page.getByTestId('verify-plan').selectOption('none');
    await page.getByLabel('Clients').fill('4');
    await page.getByLabel('Rooms').fill('2');
    await page.getByLabel('msg/s per room').fill('5');
    await page.getByLabel('Duration (s)').fill('3');
    await page.getByTestId('verify-run').click();
    await page.getByTestId('verify-verdict').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('verify-verdict').textContent()).toBe('pass');
    expect(await page.getByTestId('verify-room').count()).toBe(2);
    expect(await page.getByTestId('delivery-chart').locator('rect.delivered-bar').count()).toBeGreaterThan(0);
    await screenshot(page, 'console-verify-report');
  });
});
