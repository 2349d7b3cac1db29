import { randomBytes } from 'node:crypto';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import { DockerEngine, type RunningDaemon, type StackStatus, startDaemon } from '@relaybox/orchestrator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectSdk,
  ensureConsoleBuilt,
  launchChromium,
  openTab,
  screenshot,
  watchPage,
} from './console-harness.js';

// The console over the docker engine, the way `relaybox console` runs it for a docker stack: the
// real daemon over a DockerEngine (host networking, the local base images of
// scripts/docker-test-images.sh), the console served by the gateways through nginx at the stack's
// origin. Ports 19300-19399 only (other docker tests use 19000-19199): origin 19300, Redis 19310,
// RabbitMQ 19320-19324, gateway-N 19340+N (the gateway port offset is moved from 100 to 40).

const PORT = 19300;
const GATEWAY_OFFSET = 40;
const WAIT = { timeout: 30_000 };
const id = randomBytes(3).toString('hex');
const stack = `rbconsole-${id}`;
const SERVICES = ['gateway-1', 'gateway-2', 'nginx', 'rabbitmq', 'redis', 'worker'];

const engine = new DockerEngine({
  stack,
  network: 'host',
  variables: {
    NODE_IMAGE: 'relaybox-test/node:24-trixie',
    REDIS_IMAGE: 'relaybox-test/redis:7',
    RABBITMQ_IMAGE: 'relaybox-test/rabbitmq:3',
    NGINX_IMAGE: 'relaybox-test/nginx:1',
    RELAYBOX_PLATFORM_IMAGE: 'relaybox-test/platform:dev',
  },
  overrides: {
    'x-relaybox': { 'host-network': { 'port-offsets': { RELAYBOX_GATEWAY_PORT: GATEWAY_OFFSET } } },
  },
  healthTimeoutMs: 120_000,
});
let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
let problems: string[];
let connection: { devApiKey: string; adminToken: string };
// nginx, addressed as 127.0.0.1 (the daemon allows both loopback spellings of the stack origin).
const origin = `http://127.0.0.1:${PORT}`;
const clients: RelayBox[] = [];

async function daemonCall<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(`${daemon.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${daemon.secret}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function admin<T>(path: string): Promise<T> {
  const response = await fetch(`${origin}${path}`, {
    headers: { authorization: `Bearer ${connection.adminToken}` },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function sdk(clientId: string): Promise<RelayBox> {
  const relay = await connectSdk(origin, connection.devApiKey, clientId);
  clients.push(relay);
  return relay;
}

function serviceState(name: string) {
  return page.locator(`[data-testid="service-row"][data-service="${name}"]`).getByTestId('service-state');
}

beforeAll(async () => {
  // Before `up`: the platform image copies desktop/dist/console (rebuilt only when the context changed).
  ensureConsoleBuilt();
  daemon = await startDaemon({ engine, upOptions: { port: PORT, gateways: 2 } });
  const up = await daemonCall<StackStatus>('/api/stack/up', 'POST', { gateways: 2 });
  expect(up.state).toBe('running');
  connection = await daemonCall('/api/stack/connection');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  problems = watchPage(page);
  await page.goto(`${origin}/console/#daemon=${encodeURIComponent(daemon.url)}&secret=${daemon.secret}`);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await browser?.close();
  await daemon?.close();
  await engine.down({ volumes: true });
  const left = await engine.status();
  if (left.services.length > 0)
    throw new Error(`containers left behind: ${left.services.map((s) => s.name)}`);
}, 60_000);

describe('console over the docker engine (daemon, nginx origin)', () => {
  it('lists every compose service of the stack as healthy', async () => {
    expect(new URL(page.url()).hash).toBe('');
    for (const name of SERVICES) await serviceState(name).getByText('healthy', { exact: true }).waitFor(WAIT);
    await page.getByTestId('stack-state').getByText('running').waitFor(WAIT);
    expect(
      await page.getByTestId('service-row').evaluateAll((rows) => rows.map((r) => r.dataset.service)),
    ).toEqual(SERVICES);
    // The gateways the inspector API reports, read through nginx with the daemon's admin token.
    const gateways = page.getByRole('region', { name: 'gateways' });
    await gateways.getByText('gateway-1').waitFor(WAIT);
    await gateways.getByText('gateway-2').waitFor(WAIT);
    await screenshot(page, 'console-docker-stack');
    expect(problems).toEqual([]);
  });

  it('shows two SDK clients connected through nginx, each on its gateway', async () => {
    const names = [`alice-${id}`, `bob-${id}`];
    const relays = await Promise.all(names.map(sdk));
    const ids = relays.map((r) => r.connectionId);
    // Which gateway nginx picked for each, as the cluster-wide inspector API reports it.
    let on: Record<string, string> = {};
    for (let n = 0; n < 50 && Object.keys(on).length < 2; n++) {
      const { items } = await admin<{ items: Array<{ connectionId: string; gateway: string }> }>(
        '/v1/admin/connections?appId=dev',
      );
      on = Object.fromEntries(
        items.filter((c) => ids.includes(c.connectionId)).map((c) => [c.connectionId, c.gateway]),
      );
      if (Object.keys(on).length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    await openTab(page, 'Connections');
    const rows = page.getByTestId('connection-row');
    for (const [i, name] of names.entries()) {
      const gateway = on[ids[i] as string];
      expect(gateway).toMatch(/^gateway-[12]$/);
      await rows
        .filter({ hasText: name })
        .filter({ hasText: gateway as string })
        .waitFor(WAIT);
    }
    await screenshot(page, 'console-docker-connections');
  });

  it('stops the worker from the stack view and starts it again', async () => {
    await openTab(page, 'Stack');
    const worker = page.locator('[data-testid="service-row"][data-service="worker"]');
    await worker.getByRole('button', { name: 'Stop', exact: true }).click();
    await serviceState('worker')
      .getByText(/^(stopped|exited)$/)
      .waitFor(WAIT);
    const stopped = (await engine.status()).services.find((s) => s.name === 'worker');
    expect(['stopped', 'exited']).toContain(stopped?.state);
    await screenshot(page, 'console-docker-worker-stopped');
    await worker.getByRole('button', { name: 'Start', exact: true }).click();
    await serviceState('worker')
      .getByText(/^(running|healthy)$/)
      .waitFor(WAIT);
    await serviceState('worker').getByText('healthy', { exact: true }).waitFor(WAIT);
    expect((await engine.status()).services.find((s) => s.name === 'worker')?.state).toBe('healthy');
  });

  it('publishes from the publish box to an SDK client', async () => {
    const room = `chat:${id}`;
    const listener = await sdk(`listener-${id}`);
    const got = new Promise<RoomMessage>((resolve) => {
      void listener.join(room).then((r) => r.subscribe('greeting', resolve));
    });
    await openTab(page, 'Publish');
    const form = page.getByRole('form', { name: 'publish' });
    await form.getByLabel('App').fill('dev');
    await form.getByLabel('Room').fill(room);
    await form.getByLabel('Event').fill('greeting');
    await form.getByLabel('As client').fill('console-tester');
    await form.getByLabel('Data (JSON)').fill('{"text":"hi through nginx"}');
    // nginx may send the publish to the other gateway, whose shard binding for the room can
    // trail the join: publish again (bounded) until the listener has it.
    let message: RoomMessage | undefined;
    for (let n = 0; n < 8 && !message; n++) {
      await form.getByRole('button', { name: 'Publish' }).click();
      await page.getByTestId('publish-result').waitFor(WAIT);
      message = await Promise.race([got, new Promise<undefined>((r) => setTimeout(r, 1500))]);
    }
    expect(message).toMatchObject({
      room,
      event: 'greeting',
      clientId: 'console-tester',
      data: { text: 'hi through nginx' },
    });
    await screenshot(page, 'console-docker-publish');
  });
});
