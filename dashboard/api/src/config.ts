import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TrustedProxies } from '@relaybox/core';

/** Everything the control plane reads from the environment, read once by `main.ts` and frozen. */
export interface ControlPlaneConfig {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; null → embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | null;
  /**
   * `AUTH_DATABASE_URL`: the PostgreSQL of the cloud apps' end users (the gateways'
   * `RELAYBOX_AUTH_DATABASE_URL`), read by the Auth tab's user list; null: users are not shown.
   */
  readonly authDatabaseUrl: string | null;
  readonly dataDir: string;
  /** Current master key (32 bytes) and its version byte, plus older keys still able to decrypt. */
  readonly masterKey: Buffer;
  readonly masterKeyVersion: number;
  readonly previousMasterKeys: ReadonlyMap<number, Buffer>;
  readonly serviceToken: string;
  readonly cookieSecure: boolean;
  readonly argon2: { readonly memoryKib: number; readonly timeCost: number; readonly parallelism: number };
  readonly logLevel: string;
  /** Directory of the built web app (`dashboard/web/dist`); served at `/` when it exists. */
  readonly webDist: string | null;
  /** Timeout of one "send test event" webhook POST. */
  readonly webhookTimeoutMs: number;
  /**
   * `TRUST_PROXY`: CIDRs/addresses of the reverse proxies whose `X-Forwarded-For` names the client
   * (Fastify walks it right to left past trusted hops); empty = the socket's address only.
   */
  readonly trustProxy: readonly string[];
  /** Apply pending migrations at start (`MIGRATE_ON_START`, default true). Off where a migration
   * Job owns schema changes (Kubernetes): the process then waits unready until they are applied. */
  readonly migrateOnStart: boolean;
  /** Signups allowed per client IP per hour (`SIGNUP_RATE_LIMIT`, default 10; 0 = no limit). */
  readonly signupRateLimit: number;
  /** Whether "send test event" may reach loopback/private/link-local addresses (SSRF guard off). */
  readonly webhookAllowPrivateNetworks: boolean;
  /**
   * How long a dashboard requeue waits for a gateway of the app to queue the dead letter again
   * (`WEBHOOK_REQUEUE_TIMEOUT_MS`, default 5 s); no answer: `gateway_unavailable` (retryable).
   */
  readonly webhookRequeueTimeoutMs: number;
  /** Webhook endpoints one app may have (`WEBHOOK_MAX_ENDPOINTS_PER_APP`, default 10). */
  readonly webhookMaxEndpointsPerApp: number;
  /** A request must arrive whole (headers and body) within this (`REQUEST_TIMEOUT_MS`, default 30 s). */
  readonly requestTimeoutMs: number;
  /** A connection with no traffic either way is closed after this (`CONNECTION_TIMEOUT_MS`, default 60 s). */
  readonly connectionTimeoutMs: number;
  /** Dev defaults that were generated: main.ts prints a warning for each. */
  readonly warnings: readonly string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** OWASP password storage cheat sheet: argon2id, m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2 = { memoryKib: 19_456, timeCost: 2, parallelism: 1 } as const;

export function loadConfig(env: Env, defaults: { webDist?: string | null } = {}): ControlPlaneConfig {
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.DATA_DIR || '.relaybox/control-plane');
  const warnings: string[] = [];
  const version = int(env, 'MASTER_KEY_VERSION', 1, 1, 255);
  let masterKey: Buffer;
  if (env.MASTER_KEY) {
    masterKey = decodeKey(env.MASTER_KEY, 'MASTER_KEY');
  } else {
    if (production) throw new ConfigError('MASTER_KEY is required when NODE_ENV=production');
    masterKey = decodeKey(devSecret(dataDir, 'master.key', 32), 'generated master key');
    warnings.push(`MASTER_KEY not set: using a generated dev key stored in ${join(dataDir, 'master.key')}`);
  }
  const previousMasterKeys = new Map<number, Buffer>();
  if (env.MASTER_KEY_PREVIOUS) {
    if (version < 2) throw new ConfigError('MASTER_KEY_PREVIOUS needs MASTER_KEY_VERSION ≥ 2');
    previousMasterKeys.set(version - 1, decodeKey(env.MASTER_KEY_PREVIOUS, 'MASTER_KEY_PREVIOUS'));
  }
  let serviceToken = env.CONTROL_PLANE_SERVICE_TOKEN ?? '';
  if (!serviceToken) {
    if (production) throw new ConfigError('CONTROL_PLANE_SERVICE_TOKEN is required when NODE_ENV=production');
    serviceToken = devSecret(dataDir, 'service-token', 32);
    warnings.push(
      `CONTROL_PLANE_SERVICE_TOKEN not set: using a generated dev token stored in ${join(dataDir, 'service-token')}`,
    );
  } else if (serviceToken.length < 16) {
    throw new ConfigError('CONTROL_PLANE_SERVICE_TOKEN must be at least 16 characters');
  }
  return Object.freeze({
    port: int(env, 'PORT', 9100, 0, 65_535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || null,
    authDatabaseUrl: authDatabaseUrl(env.AUTH_DATABASE_URL),
    dataDir,
    masterKey,
    masterKeyVersion: version,
    previousMasterKeys,
    serviceToken,
    cookieSecure: env.COOKIE_SECURE === '1' || env.COOKIE_SECURE === 'true',
    argon2: Object.freeze({
      memoryKib: int(env, 'ARGON2_MEMORY_KIB', OWASP_ARGON2.memoryKib, 8, 4_194_304),
      timeCost: int(env, 'ARGON2_TIME_COST', OWASP_ARGON2.timeCost, 1, 100),
      parallelism: OWASP_ARGON2.parallelism,
    }),
    logLevel: env.LOG_LEVEL || 'info',
    webDist: env.WEB_DIST ? resolve(env.WEB_DIST) : (defaults.webDist ?? null),
    webhookTimeoutMs: int(env, 'WEBHOOK_TEST_TIMEOUT_MS', 5000, 100, 60_000),
    trustProxy: trustProxy(env.TRUST_PROXY),
    migrateOnStart: !(env.MIGRATE_ON_START === '0' || env.MIGRATE_ON_START === 'false'),
    signupRateLimit: int(env, 'SIGNUP_RATE_LIMIT', 10, 0, 1_000_000),
    webhookAllowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS
      ? env.WEBHOOK_ALLOW_PRIVATE_NETWORKS === '1' || env.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true'
      : !production,
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    // Above the SSE ping interval (15 s): an idle key-event stream is never cut.
    connectionTimeoutMs: int(env, 'CONNECTION_TIMEOUT_MS', 60_000, 20_000, 3_600_000),
    webhookMaxEndpointsPerApp: int(env, 'WEBHOOK_MAX_ENDPOINTS_PER_APP', 10, 1, 1000),
    webhookRequeueTimeoutMs: int(env, 'WEBHOOK_REQUEUE_TIMEOUT_MS', 5000, 100, 60_000),
    warnings: Object.freeze(warnings),
  });
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function decodeKey(value: string, what: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) throw new ConfigError(`${what} must be 32 bytes encoded as base64`);
  return key;
}

/** Reads a generated dev secret from the data dir, creating it (mode 0600) on first use. */
function devSecret(dataDir: string, file: string, bytes: number): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString('base64');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return value;
}

function trustProxy(raw: string | undefined): readonly string[] {
  try {
    return TrustedProxies.parse(raw).cidrs;
  } catch (error) {
    throw new ConfigError(`TRUST_PROXY must be a comma-separated list of CIDRs: ${(error as Error).message}`);
  }
}

function authDatabaseUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  if (!/^postgres(ql)?:\/\/[^/]/.test(raw))
    throw new ConfigError('AUTH_DATABASE_URL must be a postgres:// or postgresql:// URL');
  return raw;
}
