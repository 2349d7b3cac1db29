import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig as loadGatewayConfig, type RunningGateway, startGateway } from '@relaybox/gateway';
import type { RelayBoxRest } from '@relaybox/rest';
import { loadConfig as loadControlPlaneConfig } from '../api/src/config.js';
import { type ControlPlane, createControlPlane } from '../api/src/server.js';
import { createTestDatabase, ensureWebBuild, startFrontServer } from './web-harness.js';

/**
 * What the dashboard's browser test runs against: the real control plane on a fresh PostgreSQL
 * database, the built web app behind a front server, and a real gateway in cloud mode that
 * resolves keys (and apps' user pools) from that control plane.
 */
export interface DashboardStack {
  /** The control plane itself (internal API). */
  apiUrl: string;
  /** The origin the browser uses: web app + /api. */
  frontUrl: string;
  gateway: RunningGateway;
  serviceToken: string;
  /** Stops the control plane only (the front server then answers /api with 502). */
  stopControlPlane(): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboardStack(): Promise<DashboardStack> {
  const dist = ensureWebBuild();
  const serviceToken = randomBytes(24).toString('base64url');
  const database = await createTestDatabase('test_dashboard_web');
  const closers: (() => Promise<void>)[] = [() => database.drop()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const controlPlane: ControlPlane = await createControlPlane(
      loadControlPlaneConfig({
        DATABASE_URL: database.url,
        // The gateway below keeps the apps' end users in the same database.
        AUTH_DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        MASTER_KEY: randomBytes(32).toString('base64'),
        CONTROL_PLANE_SERVICE_TOKEN: serviceToken,
        LOG_LEVEL: 'silent',
        // The browser tests sign up many accounts from 127.0.0.1.
        SIGNUP_RATE_LIMIT: '10000',
      }),
    );
    let stopped: Promise<void> | undefined;
    const stopControlPlane = () => {
      stopped ??= controlPlane.close();
      return stopped;
    };
    closers.push(stopControlPlane);
    const apiUrl = await controlPlane.listen();
    const front = await startFrontServer(dist, apiUrl);
    closers.push(() => front.close());
    const gateway = await startGateway(
      loadGatewayConfig({
        RELAYBOX_PORT: '0',
        RELAYBOX_HOST: '127.0.0.1',
        RELAYBOX_BROKER: 'memory',
        RELAYBOX_STORE: 'memory',
        RELAYBOX_LOG_LEVEL: 'silent',
        RELAYBOX_KEY_SOURCE: 'cloud',
        RELAYBOX_CONTROL_PLANE_URL: apiUrl,
        RELAYBOX_CONTROL_PLANE_TOKEN: serviceToken,
        // The auth service for apps whose user pool is enabled in the dashboard; users in the
        // control plane's own database.
        RELAYBOX_AUTH_SECRET: randomBytes(32).toString('base64url'),
        RELAYBOX_AUTH_DATABASE_URL: database.url,
      }),
    );
    closers.push(() => gateway.shutdown());
    return { apiUrl, frontUrl: front.url, gateway, serviceToken, stopControlPlane, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Publishes with the key every 250 ms for at most 5 s until the gateway refuses it; returns the
 * last HTTP status seen (401 once a revocation or rotation has reached the gateway).
 */
export async function refusedWithin5s(rest: RelayBoxRest): Promise<number | undefined> {
  const started = Date.now();
  let status: number | undefined;
  while (Date.now() - started <= 5000) {
    try {
      await rest.publish('chat:lobby', 'message', { text: 'must be refused' });
      status = 200;
    } catch (error) {
      status = (error as { status?: number }).status;
      if (status === 401) return status;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return status;
}

export interface WebhookReceiver {
  url: string;
  requests: { body: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A local endpoint that answers 200 and keeps every request it got. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: WebhookReceiver['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      requests.push({ body, headers: req.headers });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
