import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccessTokens,
  AuthKeys,
  DevMailbox,
  FileUserStore,
  loadArgon2,
  MemoryAttemptLimiter,
  PasswordHasher,
  PostgresUserStore,
  RedisAttemptLimiter,
  RedisUserStore,
  type SessionPurgeOptions,
  SmtpMailer,
  type UserStore,
} from '@relaybox/auth';
import type { AppAuthConfig } from '@relaybox/core';
import type { AuthSetup } from './auth/auth-runtime.js';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';

/** Where the apps' user pools come from: the apps file (local mode) or the control plane (cloud). */
export interface AuthApps {
  auth?: Map<string, AppAuthConfig>;
  authConfig?(appId: string): Promise<AppAuthConfig | undefined>;
}

/**
/**
 * The auth service's parts for this deployment, or undefined when it is off: local mode with no app
 * that has a user pool; cloud mode without `RELAYBOX_AUTH_SECRET` or `RELAYBOX_AUTH_DATABASE_URL`.
 * One user store per deployment (docs/auth.md#where-users-live): cloud gateways keep users in
 * PostgreSQL (`PostgresUserStore`), local ones where their state lives: Redis
 * (`RELAYBOX_STORE=redis`: native and docker engines), or with the one process of the embedded
 * engine in its data dir (`<dataDir>/auth-users.json`, so they survive a restart).
 */
export async function createAuth(
  config: GatewayConfig,
  apps: AuthApps,
  log: Logger,
): Promise<AuthSetup | undefined> {
  const cloud = config.keySource === 'cloud' && apps.authConfig !== undefined;
  if (!cloud && (!apps.auth || apps.auth.size === 0)) return undefined;
  const secret = config.authSecret ?? (cloud ? undefined : readOrCreateSecret(config.dataDir));
  if (!secret) {
    log.warn('auth service off: set RELAYBOX_AUTH_SECRET to enable it');
    return undefined;
  }
  if (cloud && !config.authDatabaseUrl) {
    log.warn("auth service off: set RELAYBOX_AUTH_DATABASE_URL (the PostgreSQL of the cloud apps' users)");
    return undefined;
  }
  const keys = new AuthKeys(secret);
  const redis = { url: config.redisUrl, prefix: config.redisPrefix };
  // Sessions whose storage ended leave the store every 10 minutes (startSessionPurge's defaults).
  const purge = {
    onError: (error: unknown) => log.warn('auth: session purge failed', { reason: String(error) }),
  };
  const store = cloud
    ? await postgresStore(config.authDatabaseUrl as string, purge)
    : await localStore(config, redis, purge);
  const passwords = await PasswordHasher.create();
  await loadArgon2().catch((error: Error) =>
    log.warn('auth service: password sign-up and sign-in will fail', { reason: error.message }),
  );
  log.info('auth service on', {
    apps: cloud ? 'from the control plane' : [...(apps.auth?.keys() ?? [])],
    store: cloud ? 'postgres' : config.store,
    mail: config.smtp ? 'smtp' : 'dev mailbox',
  });
  const local = apps.auth;
  return {
    keys,
    ...mailers(config),
    store,
    limiter: config.store === 'redis' ? new RedisAttemptLimiter(redis) : new MemoryAttemptLimiter(),
    passwords,
    tokens: new AccessTokens(keys, config.tokenClockToleranceSec),
    appConfig:
      cloud && apps.authConfig
        ? (appId) => apps.authConfig?.(appId) ?? Promise.resolve(undefined)
        : async (appId) => local?.get(appId),
  };
}

/** The embedded engine's user store in its data dir (FileUserStore). */
export const USERS_FILE = 'auth-users.json';

function localStore(
  config: GatewayConfig,
  redis: { url: string; prefix: string },
  purge: SessionPurgeOptions,
): Promise<UserStore> | UserStore {
  return config.store === 'redis'
    ? new RedisUserStore({ ...redis, purge })
    : FileUserStore.open(join(config.dataDir, USERS_FILE), { purge });
}

/** Creates the tables when missing (idempotent, safe when several gateways start together). */
async function postgresStore(
  connectionString: string,
  purge: SessionPurgeOptions,
): Promise<PostgresUserStore> {
  const store = new PostgresUserStore({ connectionString, purge });
  await store.ensureSchema();
  return store;
}

/** SMTP when `RELAYBOX_SMTP_URL` is set; else one dev inbox per app (kept in memory, shown by the admin route). */
function mailers(config: GatewayConfig): Pick<AuthSetup, 'mailer' | 'devMailbox' | 'closeMailer'> {
  if (config.smtp) {
    const smtp = new SmtpMailer(config.smtp);
    return { mailer: () => smtp, closeMailer: () => smtp.close() };
  }
  const inboxes = new Map<string, DevMailbox>();
  const inbox = (appId: string) => {
    let box = inboxes.get(appId);
    if (!box) {
      box = new DevMailbox();
      inboxes.set(appId, box);
    }
    return box;
  };
  return { mailer: inbox, devMailbox: inbox };
}

/**
 * The data dir's auth secret, created on first start. The processes of the native engine share the
 * data dir and may start together: the file is created exclusively, and a process that loses the
 * race reads the winner's (waiting briefly for it to be written).
 */
function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'auth-secret');
  const read = () => {
    try {
      const secret = readFileSync(file, 'utf8').trim();
      return Buffer.byteLength(secret) >= 32 ? secret : undefined;
    } catch {
      return undefined;
    }
  };
  const existing = read();
  if (existing) return existing;
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (let i = 0; i < 50; i++) {
    const theirs = read();
    if (theirs) return theirs;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file} exists but holds no secret of at least 32 bytes`);
}
