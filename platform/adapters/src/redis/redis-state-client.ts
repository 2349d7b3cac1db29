import { readFileSync } from 'node:fs';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { ReplyError } from 'ioredis';
import { connectRedis, type RedisClient } from './redis-connection.js';

/** Options shared by the Redis state stores (presence, sessions). */
export interface RedisStateOptions {
  /** A client to share; `close()` leaves it open and its retry options are the caller's. */
  client?: RedisClient;
  /** Used when no client is given: `redis://...` or `redis+cluster://host:port,...`. Default 'redis://127.0.0.1:6379'. */
  url?: string;
  /** Key prefix. Default 'rb:'. */
  prefix?: string;
  /** Bound on one call when the store creates its client, in ms. Default 5000. */
  commandTimeoutMs?: number;
}

/**
 * The client a state store uses: the caller's, or its own with these options:
 * a command that may have reached Redis is never sent again (maxRetriesPerRequest 0, no automatic
 * resend) because presence and claim scripts are not idempotent (a resent enter would report a second
 * change, a resent claim would be refused as attached). Calls made while disconnected wait for the next
 * reconnect attempt only, then reject with `store_unavailable`.
 */
export function openStateClient(options: RedisStateOptions): { redis: RedisClient; ownsClient: boolean } {
  if (options.client) return { redis: options.client, ownsClient: false };
  const redis = connectRedis(options.url ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  // Failures reach callers as rejected commands; without a listener ioredis prints every one.
  redis.on('error', () => {});
  return { redis, ownsClient: true };
}

/**
 * Defines each script once per client (`defineCommand`), from `./lua/<file>`. A script without a
 * fixed `keys` count takes the number of its keys as its first argument.
 */
export function defineScripts(
  redis: RedisClient,
  scripts: Record<string, { file: string; keys?: number }>,
): void {
  for (const [command, { file, keys }] of Object.entries(scripts)) {
    if (command in redis) continue;
    const lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    redis.defineCommand(command, keys === undefined ? { lua } : { numberOfKeys: keys, lua });
  }
}

/** Waits for the replies of calls already made, then disconnects (bounded). */
export async function closeStateClient(redis: RedisClient, ownsClient: boolean): Promise<void> {
  if (!ownsClient) return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  const timer = setTimeout(() => redis.disconnect(), 2000);
  await redis.quit().catch(() => redis.disconnect());
  clearTimeout(timer);
}

/** Reply errors that mean "Redis is there but cannot serve now" rather than a bug in the call. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** Maps a failed command: a refused command is `internal_error`, anything else `store_unavailable`. */
export function storeFailure(store: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof RelayBoxError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ReplyError && !TRANSIENT_REPLY.test(message)) {
      throw new RelayBoxError(ErrorCode.Internal, `${store}: ${message}`, { cause: error });
    }
    throw new RelayBoxError(ErrorCode.StoreUnavailable, `${store} unavailable: ${message}`, { cause: error });
  };
}

export function closedStore(store: string): RelayBoxError {
  return new RelayBoxError(ErrorCode.StoreUnavailable, `${store} is closed`);
}
