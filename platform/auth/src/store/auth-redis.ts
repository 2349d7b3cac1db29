import { readFileSync } from 'node:fs';
import { connectRedis, type RedisClient } from '@relaybox/adapters';

export interface RedisUserStoreOptions {
  /** A client to share (`close()` leaves it open); else one is opened on `url`. */
  client?: RedisClient;
  /** `redis://...` or `redis+cluster://...`. Default 'redis://127.0.0.1:6379'. */
  url?: string;
  /** Key prefix. Default 'rb:'. */
  prefix?: string;
}

/** A script of `./lua/<file>`; `keys` fixed, else the caller passes the key count first. */
export type AuthScripts = Record<string, { file: string; keys?: number }>;

/**
 * The Redis client of an auth store (the caller's, or its own: one retry, bounded timeouts) with
 * the store's scripts defined once per client.
 */
export function openAuthRedis(
  options: RedisUserStoreOptions,
  scripts: AuthScripts,
): { redis: RedisClient; ownsClient: boolean } {
  const ownsClient = options.client === undefined;
  const redis =
    options.client ??
    connectRedis(options.url ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 5000,
      retryStrategy: (times) => Math.min(times * 100, 1000),
    });
  // Failures reach callers as rejected commands; without a listener ioredis prints every one.
  if (ownsClient) redis.on('error', () => {});
  for (const [command, { file, keys }] of Object.entries(scripts)) {
    if (command in redis) continue;
    const lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    redis.defineCommand(command, keys === undefined ? { lua } : { numberOfKeys: keys, lua });
  }
  return { redis, ownsClient };
}
