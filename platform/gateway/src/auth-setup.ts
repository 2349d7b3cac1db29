import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccessTokens,
  AuthKeys,
  type AuthServiceDeps,
  MemoryAttemptLimiter,
  MemoryUserStore,
  PasswordHasher,
  RedisAttemptLimiter,
  RedisUserStore,
} from '@relaybox/auth';
import type { AppAuthConfig } from '@relaybox/core';
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
): Promise<Omit<AuthServiceDeps, 'hooks'> | undefined> {
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
  log.info('auth service on', { apps: [...apps.keys()], store: config.store });
  return {
    store: config.store === 'redis' ? new RedisUserStore(redis) : new MemoryUserStore(),
    limiter: config.store === 'redis' ? new RedisAttemptLimiter(redis) : new MemoryAttemptLimiter(),
    passwords,
    tokens: new AccessTokens(keys, config.tokenClockToleranceSec),
    appConfig: async (appId) => apps.get(appId),
  };
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
