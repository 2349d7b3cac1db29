import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseRedisCluster, redisClusterUrl } from '@relaybox/adapters';
import { type OtelConfig, parseOtelConfig, TrustedProxies } from '@relaybox/core';
import { DEFAULT_LIMITS, type Limits } from '@relaybox/protocol';
import type { LogLevel } from './logger.js';
import { type WebhookSettings, webhookSettings } from './webhook-config.js';

export type Engine = 'embedded' | 'native';

export interface GatewayConfig extends WebhookSettings {
  readonly engine: Engine;
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
  readonly broker: 'memory' | 'amqp';
  readonly store: 'memory' | 'redis';
  /** One Redis (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://host:port,host:port`). */
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly amqpUrl: string;
  readonly amqpExchange: string;
  /** Name the gateway's RabbitMQ connection carries (`RELAYBOX_AMQP_CONNECTION_NAME`, default `relaybox-gw-<nodeId>`). */
  readonly amqpConnectionName: string;
  readonly shardCount: number;
  /** Room messages of one shard per AMQP message (`RELAYBOX_BROKER_BATCH`; 1 = never batch, the pre-batching wire format). */
  readonly brokerBatchMaxMessages: number;
  /** Appends of one room per Redis script call (`RELAYBOX_HISTORY_BATCH`; 1 = every append alone). */
  readonly historyBatchMaxMessages: number;
  readonly heartbeatMs: number;
  readonly idleTimeoutSec: number;
  readonly tokenClockToleranceSec: number;
  readonly shutdownGraceMs: number;
  /**
   * On SIGTERM, how long `/v1/ready` answers 503 before clients are closed with 4000, so load
   * balancers stop routing here first (`RELAYBOX_DRAIN_DELAY_MS`, default 0; Kubernetes: a few seconds).
   */
  readonly drainDelayMs: number;
  /** Local apps file (see docs/configuration.md); undefined = the generated dev app only. */
  readonly appsFile: string | undefined;
  readonly dataDir: string;
  /** The built console served at `/console` (`RELAYBOX_CONSOLE_DIR`; default desktop/dist/console of this checkout). */
  readonly consoleDir: string;
  readonly devApiKey: string | undefined;
  readonly logLevel: LogLevel;
  readonly limits: Readonly<Limits>;
  readonly historyRetention: Readonly<{ maxMessages: number; maxAgeMs: number }>;
  readonly idempotencyWindowMs: number;
  readonly resumeWindowMs: number;
  readonly presenceGraceMs: number;
  /** Bearer token for `GET /metrics`; open when unset. */
  readonly metricsToken: string | undefined;
  /** `TRUST_PROXY`: proxies whose `X-Forwarded-For` names the client for per-IP limits (none by default). */
  readonly trustProxy: TrustedProxies;
  /** First retry delay of webhook deliveries (doubling for 13 tries: about 68 min in all). */
  readonly webhookBaseDelayMs: number;
  /** Lock of a running queue job: a job of a dead worker runs again after at most about twice this. */
  readonly jobLockMs: number;
  /** Signs history cursors; every gateway of a cluster must share it (>= 32 bytes). */
  readonly cursorSecret: string;
  /**
   * Derives the auth service's per-app token signing keys and the key sealing TOTP seeds
   * (docs/auth.md); every gateway of a deployment must share it (>= 32 bytes). Undefined: local
   * mode generates one and keeps it in `<dataDir>/auth-secret`; cloud mode runs no auth service.
   */
  readonly authSecret: string | undefined;
  /**
   * Cloud mode: the PostgreSQL database of the cloud apps' users (`RELAYBOX_AUTH_DATABASE_URL`,
   * docs/auth.md#where-users-live); every gateway of the deployment uses the same one. Undefined in
   * cloud mode: no auth service. Ignored in local mode.
   */
  readonly authDatabaseUrl: string | undefined;
  /** The auth service's mail server (`RELAYBOX_SMTP_URL`, `RELAYBOX_MAIL_FROM`); undefined: dev inboxes. */
  readonly smtp:
    | Readonly<{
        host: string;
        port: number;
        secure: boolean;
        auth?: { user: string; pass: string };
        from: string;
      }>
    | undefined;
  /** `inline`: this gateway also runs the queue jobs; `none`: it only enqueues (worker processes run them). */
  readonly workers: 'inline' | 'none';
  /** `production` disables the admin API without a token and turns tracing off by default. */
  readonly env: 'development' | 'production';
  /** Bearer token of the admin API (`/v1/admin/...`); undefined: generated locally, or disabled in production. */
  readonly adminToken: string | undefined;
  /** Lifts the admin API's local-only Host/Origin check (the token is still required). */
  readonly adminAllowRemote: boolean;
  /** Trace events of every message hop (docs/inspector.md); default on, off in production. */
  readonly tracing: boolean;
  /** OpenTelemetry span export (`OTEL_EXPORTER_OTLP_*`); undefined: off (docs/observability.md). */
  readonly otel: OtelConfig | undefined;
  /** Where API keys come from: `local` (apps file / dev key) or `cloud` (the control plane). */
  readonly keySource: 'local' | 'cloud';
  /** Cloud mode: the control plane's base URL and its service token (`CONTROL_PLANE_SERVICE_TOKEN`). */
  readonly controlPlane: Readonly<{ url: string; token: string }> | undefined;
  /**
   * TEST-ONLY (`RELAYBOX_TEST_DROP_FANOUT_EVERY`, off by default, refused in production): a
   * deliberately broken build that never delivers a room message whose seq is a multiple of this
   * number, neither live nor in replays, so the guarantee verifier can be shown to catch a loss.
   */
  readonly testDropFanoutEvery: number | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** `desktop/dist/console` of the checkout this file runs from (built by scripts/build-console.mjs). */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../desktop/dist/console', import.meta.url));

/**
 * Reads the whole configuration once, from the environment and the command line
 * (`--engine embedded|native`, `--port N`), validates it and freezes it.
 * The only place that reads `process.env` is the caller of this function.
 */
export function loadConfig(env: Env, argv: readonly string[] = []): GatewayConfig {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const engine = oneOf('engine', flag('engine') ?? env.RELAYBOX_ENGINE ?? 'embedded', [
    'embedded',
    'native',
  ] as const);
  const nodeId = env.RELAYBOX_NODE_ID ?? `gw-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId))
    throw new ConfigError('RELAYBOX_NODE_ID must be 1-64 of A-Z a-z 0-9 _ . -');
  const config: Omit<GatewayConfig, 'testDropFanoutEvery'> = {
    engine,
    nodeId,
    host: env.RELAYBOX_HOST ?? '127.0.0.1',
    port: int('RELAYBOX_PORT', flag('port') ?? env.RELAYBOX_PORT, 9000, 0, 65535),
    broker: oneOf('RELAYBOX_BROKER', env.RELAYBOX_BROKER ?? (engine === 'native' ? 'amqp' : 'memory'), [
      'memory',
      'amqp',
    ] as const),
    store: oneOf('RELAYBOX_STORE', env.RELAYBOX_STORE ?? (engine === 'native' ? 'redis' : 'memory'), [
      'memory',
      'redis',
    ] as const),
    redisUrl: redisUrl(env),
    redisPrefix: env.RELAYBOX_REDIS_PREFIX ?? 'rb:',
    amqpUrl: env.RELAYBOX_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    amqpExchange: env.RELAYBOX_AMQP_EXCHANGE ?? 'relaybox.fanout',
    amqpConnectionName: amqpConnectionName(env.RELAYBOX_AMQP_CONNECTION_NAME, nodeId),
    shardCount: int('RELAYBOX_SHARDS', env.RELAYBOX_SHARDS, 64, 1, 4096),
    brokerBatchMaxMessages: int('RELAYBOX_BROKER_BATCH', env.RELAYBOX_BROKER_BATCH, 64, 1, 65_535),
    historyBatchMaxMessages: int('RELAYBOX_HISTORY_BATCH', env.RELAYBOX_HISTORY_BATCH, 64, 1, 1000),
    heartbeatMs: int('RELAYBOX_HEARTBEAT_MS', env.RELAYBOX_HEARTBEAT_MS, 15_000, 100, 300_000),
    idleTimeoutSec: int('RELAYBOX_IDLE_TIMEOUT_SEC', env.RELAYBOX_IDLE_TIMEOUT_SEC, 60, 8, 960),
    tokenClockToleranceSec: int('RELAYBOX_CLOCK_TOLERANCE_SEC', env.RELAYBOX_CLOCK_TOLERANCE_SEC, 5, 0, 300),
    shutdownGraceMs: int('RELAYBOX_SHUTDOWN_GRACE_MS', env.RELAYBOX_SHUTDOWN_GRACE_MS, 5_000, 0, 120_000),
    drainDelayMs: int('RELAYBOX_DRAIN_DELAY_MS', env.RELAYBOX_DRAIN_DELAY_MS, 0, 0, 120_000),
    appsFile: env.RELAYBOX_CONFIG || undefined,
    dataDir: env.RELAYBOX_DATA_DIR ?? '.relaybox',
    consoleDir: env.RELAYBOX_CONSOLE_DIR || DEFAULT_CONSOLE_DIR,
    devApiKey: env.RELAYBOX_DEV_API_KEY || undefined,
    logLevel: oneOf('RELAYBOX_LOG_LEVEL', env.RELAYBOX_LOG_LEVEL ?? 'info', [
      'debug',
      'info',
      'warn',
      'error',
      'silent',
    ] as const),
    limits: Object.freeze(parseLimits(env.RELAYBOX_LIMITS)),
    historyRetention: Object.freeze({
      maxMessages: int(
        'RELAYBOX_HISTORY_MAX_MESSAGES',
        env.RELAYBOX_HISTORY_MAX_MESSAGES,
        10_000,
        1,
        1_000_000,
      ),
      maxAgeMs:
        int('RELAYBOX_HISTORY_MAX_AGE_SEC', env.RELAYBOX_HISTORY_MAX_AGE_SEC, 86_400, 1, 31 * 86_400) * 1000,
    }),
    idempotencyWindowMs:
      int('RELAYBOX_IDEMPOTENCY_WINDOW_SEC', env.RELAYBOX_IDEMPOTENCY_WINDOW_SEC, 120, 1, 86_400) * 1000,
    resumeWindowMs: int('RELAYBOX_RESUME_WINDOW_SEC', env.RELAYBOX_RESUME_WINDOW_SEC, 120, 1, 86_400) * 1000,
    presenceGraceMs: int('RELAYBOX_PRESENCE_GRACE_MS', env.RELAYBOX_PRESENCE_GRACE_MS, 15_000, 0, 600_000),
    metricsToken: env.RELAYBOX_METRICS_TOKEN || undefined,
    trustProxy: trustProxy(env.TRUST_PROXY),
    webhookBaseDelayMs: int(
      'RELAYBOX_WEBHOOK_BASE_DELAY_MS',
      env.RELAYBOX_WEBHOOK_BASE_DELAY_MS,
      1000,
      1,
      600_000,
    ),
    jobLockMs: int('RELAYBOX_JOB_LOCK_MS', env.RELAYBOX_JOB_LOCK_MS, 30_000, 1_000, 600_000),
    cursorSecret: cursorSecret(env.RELAYBOX_CURSOR_SECRET),
    authSecret: authSecret(env.RELAYBOX_AUTH_SECRET),
    authDatabaseUrl: authDatabaseUrl(env.RELAYBOX_AUTH_DATABASE_URL),
    smtp: smtp(env.RELAYBOX_SMTP_URL, env.RELAYBOX_MAIL_FROM),
    workers: oneOf('RELAYBOX_WORKERS', env.RELAYBOX_WORKERS ?? 'inline', ['inline', 'none'] as const),
    ...inspectorConfig(env),
    otel: otelConfig(env),
    keySource: oneOf('RELAYBOX_KEY_SOURCE', env.RELAYBOX_KEY_SOURCE || 'local', ['local', 'cloud'] as const),
    controlPlane: controlPlane(env),
    ...webhookSettings(env, { flag: onOff, int }),
  };
  return Object.freeze({ ...config, testDropFanoutEvery: testDropFanoutEvery(env, config.env) });
}

/** `RELAYBOX_LIMITS` is a JSON object overriding any of the default limits. */
export function parseLimits(json: string | undefined, base: Limits = { ...DEFAULT_LIMITS }): Limits {
  if (!json) return base;
  let overrides: unknown;
  try {
    overrides = JSON.parse(json);
  } catch {
    throw new ConfigError('RELAYBOX_LIMITS must be a JSON object');
  }
  if (typeof overrides !== 'object' || overrides === null)
    throw new ConfigError('RELAYBOX_LIMITS must be a JSON object');
  const limits = { ...base };
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in base)) throw new ConfigError(`RELAYBOX_LIMITS: unknown limit "${name}"`);
    if (typeof value !== 'number' || !(value > 0))
      throw new ConfigError(`RELAYBOX_LIMITS.${name} must be a positive number`);
    limits[name as keyof Limits] = value;
  }
  return limits;
}

/** Required with `RELAYBOX_KEY_SOURCE=cloud`, ignored otherwise. */
function controlPlane(env: Env): GatewayConfig['controlPlane'] {
  if (env.RELAYBOX_KEY_SOURCE !== 'cloud') return undefined;
  const url = env.RELAYBOX_CONTROL_PLANE_URL ?? '';
  const token = env.RELAYBOX_CONTROL_PLANE_TOKEN ?? '';
  if (!/^https?:\/\/[^/]/.test(url))
    throw new ConfigError('RELAYBOX_KEY_SOURCE=cloud needs RELAYBOX_CONTROL_PLANE_URL (http:// or https://)');
  if (token.length < 16)
    throw new ConfigError(
      'RELAYBOX_KEY_SOURCE=cloud needs RELAYBOX_CONTROL_PLANE_TOKEN (at least 16 characters)',
    );
  return Object.freeze({ url, token });
}

function inspectorConfig(
  env: Env,
): Pick<GatewayConfig, 'env' | 'adminToken' | 'adminAllowRemote' | 'tracing'> {
  const mode = oneOf('RELAYBOX_ENV', env.RELAYBOX_ENV || 'development', [
    'development',
    'production',
  ] as const);
  const adminToken = env.RELAYBOX_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16)
    throw new ConfigError('RELAYBOX_ADMIN_TOKEN must be at least 16 characters');
  const allow = oneOf('RELAYBOX_ADMIN_ALLOW_REMOTE', env.RELAYBOX_ADMIN_ALLOW_REMOTE || '0', [
    '0',
    '1',
  ] as const);
  const tracing = oneOf('RELAYBOX_TRACING', env.RELAYBOX_TRACING || (mode === 'production' ? 'off' : 'on'), [
    'on',
    'off',
  ] as const);
  return { env: mode, adminToken, adminAllowRemote: allow === '1', tracing: tracing === 'on' };
}

function otelConfig(env: Env): OtelConfig | undefined {
  try {
    return parseOtelConfig(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function amqpConnectionName(raw: string | undefined, nodeId: string): string {
  if (raw === undefined || raw === '') return `relaybox-gw-${nodeId}`;
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(raw))
    throw new ConfigError('RELAYBOX_AMQP_CONNECTION_NAME must be 1-128 of A-Z a-z 0-9 _ . : -');
  return raw;
}

/** The test-only fan-out drop switch; never accepted in production. */
function testDropFanoutEvery(env: Env, mode: 'development' | 'production'): number | undefined {
  const raw = env.RELAYBOX_TEST_DROP_FANOUT_EVERY;
  if (raw === undefined || raw === '') return undefined;
  if (mode === 'production')
    throw new ConfigError(
      'RELAYBOX_TEST_DROP_FANOUT_EVERY is a test-only switch and is refused in production',
    );
  return int('RELAYBOX_TEST_DROP_FANOUT_EVERY', raw, 0, 2, 1_000_000);
}

function trustProxy(raw: string | undefined): TrustedProxies {
  try {
    return TrustedProxies.parse(raw);
  } catch (error) {
    throw new ConfigError(`TRUST_PROXY must be a comma-separated list of CIDRs: ${(error as Error).message}`);
  }
}

/**
 * RELAYBOX_REDIS_CLUSTER (seed nodes `host:port,host:port`) or RELAYBOX_REDIS_URL, which may itself
 * be a `redis+cluster://` URL; not both.
 */
export function redisUrl(env: Env): string {
  const seeds = env.RELAYBOX_REDIS_CLUSTER?.trim();
  try {
    if (!seeds) {
      const url = env.RELAYBOX_REDIS_URL ?? 'redis://127.0.0.1:6379';
      parseRedisCluster(url);
      return url;
    }
    if (env.RELAYBOX_REDIS_URL) throw new Error('set RELAYBOX_REDIS_CLUSTER or RELAYBOX_REDIS_URL, not both');
    return redisClusterUrl(seeds);
  } catch (error) {
    throw new ConfigError(`invalid Redis configuration: ${(error as Error).message}`);
  }
}

function cursorSecret(raw: string | undefined): string {
  if (raw === undefined || raw === '') {
    // One process, or a dev cluster that does not page across gateways: a per-process secret.
    return randomBytes(32).toString('base64url');
  }
  if (Buffer.byteLength(raw) < 32) throw new ConfigError('RELAYBOX_CURSOR_SECRET must be at least 32 bytes');
  return raw;
}

function smtp(raw: string | undefined, from: string | undefined): GatewayConfig['smtp'] {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('RELAYBOX_SMTP_URL must be smtp://[user:password@]host:port or smtps://...');
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
    throw new ConfigError('RELAYBOX_SMTP_URL must be smtp://[user:password@]host:port or smtps://...');
  }
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  return Object.freeze({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass: decodeURIComponent(url.password) } } : {}),
    from: from || 'RelayBox <no-reply@localhost>',
  });
}

function authSecret(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (Buffer.byteLength(raw) < 32) throw new ConfigError('RELAYBOX_AUTH_SECRET must be at least 32 bytes');
  return raw;
}

function authDatabaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^postgres(ql)?:\/\/[^/]/.test(raw))
    throw new ConfigError('RELAYBOX_AUTH_DATABASE_URL must be a postgres:// or postgresql:// URL');
  return raw;
}

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function onOff(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  return oneOf(name, raw, ['0', '1', 'true', 'false'] as const) === '1' || raw === 'true';
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}
