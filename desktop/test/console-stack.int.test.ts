import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEngine, type RunningDaemon, startDaemon } from '@relaybox/orchestrator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSdk,
  ensureConsoleBuilt,
  freePort,
  launchChromium,
  screenshot,
  watchPage,
} from './console-harness.js';

// The stack view against the real local daemon over the embedded engine, opened the way
// `relaybox console` opens it: `<stack origin>/console/#daemon=<url>&secret=<secret>`.

const WAIT = { timeout: 15_000 };

let dataDir: string;
let engine: EmbeddedEngine;
let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
let problems: string[];
let origin: string;

function gatewayRow() {
  return page.locator('[data-testid="service-row"][data-service="gateway"]');
}

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = mkdtempSync(join(tmpdir(), 'rb-console-stack-'));
  const port = await freePort();
  engine = new EmbeddedEngine({ dataDir, env: { RELAYBOX_LOG_LEVEL: 'info', RELAYBOX_TRACING: 'on' } });
  daemon = await startDaemon({ engine, upOptions: { port } });
  const up = await fetch(`${daemon.url}/api/stack/up`, {
    method: 'POST',
    headers: { authorization: `Bearer ${daemon.secret}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!up.ok) throw new Error(`stack up failed: ${up.status} ${await up.text()}`);
  origin = (await engine.status()).endpoints.origin;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  problems = watchPage(page);
  await page.goto(`${origin}/console/#daemon=${encodeURIComponent(daemon.url)}&secret=${daemon.secret}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.close();
  await engine?.down();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('console stack view (daemon + embedded engine)', () => {
  it('lists the services and their state, and reads the admin token from the daemon', async () => {
    expect(new URL(page.url()).hash).toBe('');
    await gatewayRow().getByTestId('service-state').getByText('healthy').waitFor(WAIT);
    await page.getByTestId('stack-state').getByText('running').waitFor(WAIT);
    // The inspector views work with the daemon's admin token: nothing was typed in.
    const relay = await connectSdk(origin, (await daemonConnection()).devApiKey, 'stack-viewer');
    try {
      await page
        .getByRole('navigation', { name: 'views' })
        .getByRole('link', { name: 'Connections' })
        .click();
      await page.getByTestId('connection-row').filter({ hasText: 'stack-viewer' }).waitFor(WAIT);
    } finally {
      await relay.close();
    }
    await page.getByRole('navigation', { name: 'views' }).getByRole('link', { name: 'Stack' }).click();
    await gatewayRow().waitFor(WAIT);
    await screenshot(page, 'console-stack');
    expect(problems).toEqual([]);
  });

  it('shows the logs of a service, filtered by the search box', async () => {
    const logs = page.getByRole('region', { name: 'logs' });
    await logs.getByTestId('log-lines').getByText('listening').first().waitFor(WAIT);
    await logs.getByRole('searchbox', { name: 'search logs' }).fill('no-such-line-anywhere');
    await logs.getByText('No line matches.').waitFor(WAIT);
    await logs.getByRole('searchbox', { name: 'search logs' }).fill('listening');
    await logs.getByTestId('log-lines').getByText('listening').first().waitFor(WAIT);
    await screenshot(page, 'console-stack-logs');
  });

  it('offers only what the embedded engine can do: restart the gateway, no per-service stop', async () => {
    await gatewayRow().getByRole('button', { name: 'Restart', exact: true }).waitFor(WAIT);
    const rows = page.getByTestId('service-row');
    expect(await rows.count()).toBe(4);
    for (const name of ['Stop', 'Start']) {
      expect(await rows.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }
    // Broker, store and worker run inside the gateway: logs only.
    for (const service of ['broker', 'store', 'worker']) {
      const buttons = page.locator(`[data-testid="service-row"][data-service="${service}"] button`);
      expect(await buttons.allTextContents(), service).toEqual(['Logs']);
    }
    const before = (await engine.status()).services.find((s) => s.name === 'gateway')!.since;
    await gatewayRow().getByRole('button', { name: 'Restart', exact: true }).click();
    await expect
      .poll(async () => (await engine.status()).services.find((s) => s.name === 'gateway'), WAIT)
      .toMatchObject({ state: 'healthy', since: expect.toSatisfy((since: number) => since > before) });
    await gatewayRow().getByTestId('service-state').getByText('healthy').waitFor(WAIT);
    // The gateway serves again on the same origin, and the page shows no failed action.
    expect((await fetch(`${origin}/v1/health`)).status).toBe(200);
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'console-stack-restarted');
  });

  it('in the desktop app, says which engine runs and why (from app:info over the preload bridge)', async () => {
    // What the preload exposes (window.relaybox.invoke); the main-process side of these channels is
    // tested on the built main bundle (desktop/src/main/main-bundle*.int.test.ts).
    const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const desktopProblems = watchPage(desktop);
    await desktop.addInitScript(
      ({ daemonUrl, secret }) => {
        const answers: Record<string, unknown> = {
          'console:connection': { daemonUrl, secret },
          'app:info': {
            version: '0.0.0-test',
            platform: 'linux',
            engine: 'embedded',
            engineReason: 'the default: no Docker engine answers at unix:///nowhere.sock (ENOENT)',
          },
        };
        (window as unknown as { relaybox: unknown }).relaybox = {
          invoke: async (channel: string) => answers[channel],
        };
      },
      { daemonUrl: daemon.url, secret: daemon.secret },
    );
    try {
      await desktop.goto(`${origin}/console/`);
      await desktop
        .getByTestId('engine-reason')
        .getByText('embedded engine: the default: no Docker engine answers at unix:///nowhere.sock (ENOENT)')
        .waitFor(WAIT);
      await desktop.getByTestId('stack-state').getByText('running').waitFor(WAIT);
      await screenshot(desktop, 'console-stack-desktop-engine');
      expect(desktopProblems).toEqual([]);
    } finally {
      await desktop.close();
    }
    // A browser tab (no bridge) shows no such line.
    expect(await page.getByTestId('engine-reason').count()).toBe(0);
  });
});

async function daemonConnection(): Promise<{ devApiKey: string; adminToken: string }> {
  const response = await fetch(`${daemon.url}/api/stack/connection`, {
    headers: { authorization: `Bearer ${daemon.secret}` },
  });
  return (await response.json()) as { devApiKey: string; adminToken: string };
}
