import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import { testName } from '@relaybox/core/testing';
import { NativeEngine, type RunningDaemon, startDaemon } from '@relaybox/orchestrator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSdk,
  ensureConsoleBuilt,
  freePort,
  launchChromium,
  screenshot,
  watchPage,
} from './console-harness.js';

// The console over the native engine (gateway processes against the local Redis and RabbitMQ,
// behind the front proxy), driven through the real daemon: cluster-wide views, a message traced
// across two gateways, and scaling gateways from the stack view.

const WAIT = { timeout: 20_000 };
const stackId = randomBytes(3).toString('hex');
const prefix = `test-console-${stackId}:`;
const exchange = testName('test.console');

let dataDir: string;
let engine: NativeEngine;
let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
let origin: string;
let devApiKey: string;
const clients: RelayBox[] = [];

async function daemonGet<T>(path: string): Promise<T> {
  const response = await fetch(`${daemon.url}${path}`, {
    headers: { authorization: `Bearer ${daemon.secret}` },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A gateway's own origin, read from the `ws://host:port/v1/ws` line it logs when ready. */
async function gatewayOrigin(name: string): Promise<string> {
  const { items } = await daemonGet<{ items: Array<{ line: string }> }>(
    `/api/services/${name}/logs?tail=500`,
  );
  const port = items.map((l) => /ws:\/\/\S+?:(\d+)\/v1\/ws/.exec(l.line)?.[1]).find(Boolean);
  if (!port) throw new Error(`no listening line in the logs of ${name}`);
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'rb-console-native-'));
  engine = new NativeEngine({ dataDir, redisPrefix: prefix, amqpExchange: exchange });
  daemon = await startDaemon({ engine, upOptions: { port: await freePort(), gateways: 2 } });
  const up = await fetch(`${daemon.url}/api/stack/up`, {
    method: 'POST',
    headers: { authorization: `Bearer ${daemon.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ gateways: 2 }),
  });
  if (!up.ok) throw new Error(`stack up failed: ${up.status} ${await up.text()}`);
  const connection = await daemonGet<{ origin: string; devApiKey: string }>('/api/stack/connection');
  origin = connection.origin;
  devApiKey = connection.devApiKey;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchPage(page);
  await page.goto(`${origin}/console/#daemon=${encodeURIComponent(daemon.url)}&secret=${daemon.secret}`);
}, 90_000);

afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close();
  await daemon?.close();
  await engine?.down();
  await Promise.allSettled([RabbitmqAdmin.deleteExchange(exchange), deleteRedisKeys(prefix)]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('console over the native engine', () => {
  it('follows a message across two gateways in the traces view', async () => {
    const id = randomBytes(3).toString('hex');
    const [first, second] = await Promise.all([gatewayOrigin('gateway-1'), gatewayOrigin('gateway-2')]);
    const room = `chat:${id}`;
    const subscriber = await connectSdk(first, devApiKey, `sub-${id}`);
    clients.push(subscriber);
    const publisher = await connectSdk(second, devApiKey, `pub-${id}`);
    clients.push(publisher);
    const got = new Promise<RoomMessage>((resolve) => {
      void subscriber.join(room).then((r) => r.subscribe('note', resolve));
    });
    // Both clients show up in the cluster-wide connections table, each on its own gateway.
    await page.getByRole('navigation', { name: 'views' }).getByRole('link', { name: 'Connections' }).click();
    const rows = page.getByTestId('connection-row');
    await rows
      .filter({ hasText: `sub-${id}` })
      .filter({ hasText: 'gateway-1' })
      .waitFor(WAIT);
    await rows
      .filter({ hasText: `pub-${id}` })
      .filter({ hasText: 'gateway-2' })
      .waitFor(WAIT);
    const joined = await publisher.join(room);
    // Publish until the subscriber's gateway has bound the room's shard (bounded); trace what arrived.
    let delivered: RoomMessage | undefined;
    let lastError: unknown;
    for (let n = 0; n < 5 && !delivered; n++) {
      // A publish the broker did not confirm (e.g. RabbitMQ busy on this shared machine) is retried.
      await joined.publish('note', { n }).catch((error: unknown) => {
        lastError = error;
      });
      delivered = await Promise.race([got, new Promise<undefined>((r) => setTimeout(r, 2000))]);
    }
    if (!delivered) {
      const { items } = await daemonGet<{ items: Array<{ line: string }> }>(
        '/api/services/gateway-2/logs?tail=20',
      );
      throw new Error(
        `the subscriber on gateway-1 got nothing from gateway-2 (${lastError}); gateway-2 logs:\n${items.map((l) => l.line).join('\n')}`,
      );
    }
    const ack = { id: delivered.id };
    await page.goto(`${origin}/console/traces/${encodeURIComponent(ack.id)}`);
    const timeline = page.getByTestId('trace-timeline');
    await timeline.locator('[data-type="message.delivered"]').waitFor(WAIT);
    await timeline.locator('[data-type="message.acked"]').waitFor(WAIT);
    const hops = await timeline
      .getByTestId('trace-hop')
      .evaluateAll((els) =>
        els.map((el) => `${el.getAttribute('data-type')}@${el.querySelector('.hop-gateway')?.textContent}`),
      );
    expect(hops).toContain('message.received@gateway-2');
    expect(hops).toContain('message.acked@gateway-2');
    expect(hops).toContain('message.consumed@gateway-1');
    expect(hops).toContain('message.delivered@gateway-1');
    await screenshot(page, 'console-native-trace');
  });

  it("shows a gateway's connection page with its frames, whichever gateway the proxy asks", async () => {
    const id = randomBytes(3).toString('hex');
    const relay = await connectSdk(await gatewayOrigin('gateway-1'), devApiKey, `watched-${id}`);
    clients.push(relay);
    const connectionId = relay.connectionId!;
    // The console reads the page every second through the front proxy (round robin over both).
    const reads: Array<{ framesError: unknown; node?: string }> = [];
    page.on('response', async (response) => {
      if (!response.url().endsWith(`/v1/admin/connections/${connectionId}`) || response.status() !== 200)
        return;
      const body = (await response.json()) as { framesError: unknown; frames: { node: string } | null };
      reads.push({ framesError: body.framesError, ...(body.frames ? { node: body.frames.node } : {}) });
    });
    await page.goto(`${origin}/console/connections/${encodeURIComponent(connectionId)}`);
    const view = page.getByRole('region', { name: `connection ${connectionId}` });
    await view.getByText('on gateway gateway-1').waitFor(WAIT);
    const room = await relay.join(`page:${id}`);
    const got: RoomMessage[] = [];
    room.subscribe((m) => got.push(m));
    await room.publish('note', { n: 1 });
    await view.getByRole('region', { name: 'frames in' }).locator('[data-type="publish"]').waitFor(WAIT);
    await view
      .getByRole('region', { name: 'frames out' })
      .locator('[data-type="message"]')
      .first()
      .waitFor(WAIT);
    await view.getByText('messages on').waitFor(WAIT);
    await expect.poll(() => reads.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    expect(reads.filter((r) => r.framesError !== null || r.node !== 'gateway-1')).toEqual([]);
    expect(await view.getByTestId('frames-error').count()).toBe(0);
    await screenshot(page, 'console-native-connection');
  });

  it('scales the gateways from the stack view', async () => {
    await page.getByRole('navigation', { name: 'views' }).getByRole('link', { name: 'Stack' }).click();
    await page.locator('[data-service="gateway-2"]').getByText('healthy').waitFor(WAIT);
    // Supervised processes can be stopped and restarted; the front proxy runs in the engine: none.
    const buttons = (service: string) =>
      page.locator(`[data-testid="service-row"][data-service="${service}"] button`).allTextContents();
    for (const service of ['gateway-1', 'gateway-2', 'worker']) {
      expect(await buttons(service), service).toEqual(['Stop', 'Restart', 'Logs']);
    }
    expect(await buttons('proxy')).toEqual(['Logs']);
    const scale = page.getByRole('form', { name: 'scale gateways' });
    await scale.getByLabel('Gateways').fill('3');
    await scale.getByRole('button', { name: 'Scale' }).click();
    await page
      .locator('[data-service="gateway-3"]')
      .getByTestId('service-state')
      .getByText('healthy')
      .waitFor(WAIT);
    await page.getByRole('region', { name: 'gateways' }).getByText('gateway-3').waitFor(WAIT);
    expect((await engine.status()).services.filter((s) => s.service === 'gateway')).toHaveLength(3);
    await screenshot(page, 'console-native-stack');
  });
});
