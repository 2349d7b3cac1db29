import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis } from '@relaybox/adapters';
import { uniqueName } from '../harness.js';
import { type GatewayProcess, spawnGateway } from '../processes.js';

export const AUTH_APP = 'alpha';
export const API_KEY = 'alpha.full:alpha-full-secret-001';
export const OTHER_APP_KEY = 'beta.main:beta-main-secret-00001';
export const ADMIN_TOKEN = 'live-auth-admin-token-0123456789';
/** Sign-in attempts per account per window in the test app. */
export const PER_ACCOUNT = 5;

/** Apps file: alpha has a user pool (chat rooms only), beta has none. */
function appsFile(authExtra: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-auth-'));
  const file = join(dir, 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'alpha',
          keys: [{ id: 'full', secret: 'alpha-full-secret-001' }],
          auth: {
            userPermissions: { 'chat:>': ['subscribe', 'publish', 'presence', 'history'] },
            accessTokenTtlSec: 300,
            signInLimits: { perAccount: PER_ACCOUNT, perAddress: 10_000, windowSec: 600 },
            appName: 'Alpha Chat',
            emailLinks: {
              verifyUrl: 'https://alpha.example/verify',
              resetUrl: 'https://alpha.example/reset',
            },
            ...authExtra,
          },
        },
        { id: 'beta', keys: [{ id: 'main', secret: 'beta-main-secret-00001' }] },
      ],
    }),
  );
  return file;
}

export interface AuthCluster {
  gateways: GatewayProcess[];
  prefix: string;
  stop(): Promise<void>;
}

/** Gateway processes of one deployment: real RabbitMQ and Redis, one auth secret, one user store. */
export async function startAuthCluster(
  n: number,
  extraEnv: Record<string, string> = {},
  /** More fields of app alpha's `auth` (providers, redirectUris...). */
  authExtra: Record<string, unknown> = {},
): Promise<AuthCluster> {
  const prefix = `${uniqueName('auth')}:`;
  const exchange = uniqueName('test.auth');
  const env = {
    RELAYBOX_ENGINE: 'native',
    RELAYBOX_CONFIG: appsFile(authExtra),
    RELAYBOX_AMQP_EXCHANGE: exchange,
    RELAYBOX_REDIS_PREFIX: prefix,
    RELAYBOX_AUTH_SECRET: 'test-auth-secret-shared-by-the-cluster-0001',
    RELAYBOX_ADMIN_TOKEN: ADMIN_TOKEN,
    RELAYBOX_LOG_LEVEL: 'debug',
    ...extraEnv,
  };
  const gateways = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      spawnGateway({ ...env, RELAYBOX_NODE_ID: `auth${i}-${exchange.slice(-8)}` }, 60_000),
    ),
  );
  return {
    gateways,
    prefix,
    stop: async () => {
      for (const g of gateways) g.proc.kill('SIGKILL');
      await Promise.all(gateways.map((g) => g.exited));
      const redis = connectRedis('redis://127.0.0.1:6379', {});
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; message: string } };
  headers: Headers;
}

/** One auth call: JSON in, status and JSON out. */
export async function call<T = Record<string, unknown>>(
  gateway: GatewayProcess,
  method: string,
  path: string,
  options: { body?: unknown; bearer?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as Answer<T>['body'],
    headers: res.headers,
  };
}

export interface SignedIn {
  user: { id: string; email: string; displayName: string | null };
  session: { accessToken: string; refreshToken: string; sessionId: string; accessTokenExpiresAt: number };
}

export const signUp = (g: GatewayProcess, email: string, password: string, displayName = 'Ada') =>
  call<SignedIn>(g, 'POST', `/v1/auth/${AUTH_APP}/signup`, { body: { email, password, displayName } });

export const signIn = (g: GatewayProcess, email: string, password: string) =>
  call<SignedIn>(g, 'POST', `/v1/auth/${AUTH_APP}/signin`, { body: { email, password } });

export const refresh = (g: GatewayProcess, refreshToken: string) =>
  call<SignedIn>(g, 'POST', `/v1/auth/${AUTH_APP}/refresh`, { body: { refreshToken } });

export const uniqueEmail = () => `${uniqueName('user').replace(/[^a-z0-9]/gi, '')}@example.com`;

type TraceItem = { type: string; clientId?: string; detail?: Record<string, unknown> };

/**
 * Polls the app's trace events until `done` holds (gateways buffer events for ~50 ms before they
 * reach the shared log), at most 5 s; returns the last read either way.
 */
export async function tracesUntil(
  g: GatewayProcess,
  done: (events: TraceItem[]) => boolean,
): Promise<TraceItem[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const events = await traces(g);
    if (done(events) || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Trace events of the app from the inspector API (the trace log is shared through Redis). */
export async function traces(
  g: GatewayProcess,
): Promise<Array<{ type: string; clientId?: string; detail?: Record<string, unknown> }>> {
  const res = await fetch(`${g.url}/v1/admin/traces?appId=${AUTH_APP}&limit=5000`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await res.json()) as { items: Array<{ type: string }> }).items;
}
