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
  RedisAttemptLimiter,
  RedisUserStore,
  SmtpMailer,
} from '@relaybox/auth';
import type { AppAuthConfig } from '@relaybox/core';
import type { AuthSetup } from './auth/auth-runtime.js';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * The auth service's parts for this deployment, or undefined when no app has a user pool (or, in
 * cloud mode, no `RELAYBOX_AUTH_SECRET`). Users live where the gateways' state lives: Redis
 * (`RELAYBOX_STORE=redis`: native and docker engines, cloud), or with the one process of the embedded
 * engine in its data dir (`<dataDir>/auth-users.json`, so they survive a restart).
 */
export async function createAuth(
  config: GatewayConfig,
  apps: Map<string, AppAuthConfig> | undefined,
  log: Logger,
): Promise<AuthSetup | undefined> {
  if (!apps || apps.size === 0) return undefined;
  const secret =
    config.authSecret ?? (config.keySource === 'local' ? readOrCreateSecret(config.dataDir) : undefined);
  if (!secret) {
    log.warn('auth service off: set RELAYBOX_AUTH_SECRET to enable it');
    return undefined;
  }
  const keys = new AuthKeys(secret);
  const redis = { url: config.redisUrl, prefix: config.redisPrefix };
  const passwords = await PasswordHasher.create();
  // Sessions whose storage ended leave the store every 10 minutes (startSessionPurge's defaults).
  const purge = {
    onError: (error: unknown) => log.warn('auth: session purge failed', { reason: String(error) }),
  };
  await loadArgon2().catch((error: Error) =>
    log.warn('auth service: password sign-up and sign-in will fail', { reason: error.message }),
  );
  log.info('auth service on', {
    apps: [...apps.keys()],
    store: config.store,
    mail: config.smtp ? 'smtp' : 'dev mailbox',
  });
  return {
    keys,
    ...mailers(config),
    store:
      config.store === 'redis'
        ? new RedisUserStore({ ...redis, purge })
        : await FileUserStore.open(join(config.dataDir, USERS_FILE), { purge }),
    limiter: config.store === 'redis' ? new RedisAttemptLimiter(redis) : new MemoryAttemptLimiter(),
    passwords,
    tokens: new AccessTokens(keys, config.tokenClockToleranceSec),
    appConfig: async (appId) => apps.get(appId),
  };
}

/** The embedded engine's user store in its data dir (FileUserStore). */
export const USERS_FILE = 'auth-users.json';

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
