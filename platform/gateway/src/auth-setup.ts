import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccessTokens,
  AuthKeys,
  DevMailbox,
  MemoryAttemptLimiter,
  MemoryUserStore,
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
 * (`RELAYBOX_STORE=redis`: native and docker engines, cloud) or this process's memory (embedded).
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
  log.info('auth service on', {
    apps: [...apps.keys()],
    store: config.store,
    mail: config.smtp ? 'smtp' : 'dev mailbox',
  });
  return {
    keys,
    ...mailers(config),
    store: config.store === 'redis' ? new RedisUserStore(redis) : new MemoryUserStore(),
    limiter: config.store === 'redis' ? new RedisAttemptLimiter(redis) : new MemoryAttemptLimiter(),
    passwords,
    tokens: new AccessTokens(keys, config.tokenClockToleranceSec),
    appConfig: async (appId) => apps.get(appId),
  };
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

function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'auth-secret');
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(secret) >= 32) return secret;
  } catch {
    // first start: created below
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
