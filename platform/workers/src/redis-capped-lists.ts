import { connectRedis, type RedisClient } from '@relaybox/adapters';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

export interface RedisListOptions {
  /** A client to share; `close()` leaves it open. */
  client?: RedisClient;
  /** Used when no client is given (`redis://` or `redis+cluster://`). Default 'redis://127.0.0.1:6379'. */
  url?: string;
  /** Key prefix. Default 'rb:'. */
  prefix?: string;
  /** Bound on one call when the store creates its client, in ms. Default 5000. */
  commandTimeoutMs?: number;
}

/**
 * Redis lists of JSON entries, newest first, each cut to `max` entries: LPUSH + LTRIM in one
 * MULTI, so a list never holds more than `max` after a write. Failures reject with a retryable
 * `RelayBoxError(store_unavailable)`.
 */
export class RedisCappedLists<T> {
  readonly prefix: string;
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;

  constructor(
    private readonly max: number,
    private readonly what: string,
    options: RedisListOptions = {},
  ) {
    this.prefix = options.prefix ?? 'rb:';
    this.ownsClient = options.client === undefined;
    this.redis =
      options.client ??
      connectRedis(options.url ?? 'redis://127.0.0.1:6379', {
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        commandTimeout: options.commandTimeoutMs ?? 5000,
        retryStrategy: (times) => Math.min(times * 100, 1000),
      });
    if (this.ownsClient) this.redis.on('error', () => {});
  }

  /** Returns the entries the cut dropped (the oldest), usually none. */
  async push(key: string, entry: T): Promise<T[]> {
    const results = await this.redis
      .multi()
      .lpush(key, JSON.stringify(entry))
      .lrange(key, this.max, -1)
      .ltrim(key, 0, this.max - 1)
      .exec()
      .catch((error: unknown) => this.fail(error));
    const failed = results?.find(([error]) => error);
    if (!results || failed) this.fail(failed?.[0] ?? new Error('transaction aborted'));
    return ((results[1]?.[1] as string[] | undefined) ?? []).map((raw) => JSON.parse(raw) as T);
  }

  async read(key: string, limit: number): Promise<T[]> {
    const count = Math.max(0, Math.min(limit, this.max));
    if (count === 0) return [];
    const entries = await this.redis.lrange(key, 0, count - 1).catch((error: unknown) => this.fail(error));
    return entries.map((entry) => JSON.parse(entry) as T);
  }

  /**
   * Removes and returns the newest entry that passes `match`: reads the list (O(max)), then LREM of
   * that exact entry; when a concurrent call removed it first, LREM removes nothing and this
   * returns undefined.
   */
  async remove(key: string, match: (entry: T) => boolean): Promise<T | undefined> {
    const entries = await this.redis.lrange(key, 0, this.max - 1).catch((error: unknown) => this.fail(error));
    const raw = entries.find((entry) => match(JSON.parse(entry) as T));
    if (raw === undefined) return undefined;
    const removed = await this.redis.lrem(key, 1, raw).catch((error: unknown) => this.fail(error));
    return removed === 1 ? (JSON.parse(raw) as T) : undefined;
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    const timer = setTimeout(() => this.redis.disconnect(), 2000);
    await this.redis.quit().catch(() => this.redis.disconnect());
    clearTimeout(timer);
  }

  private fail(error: unknown): never {
    const detail = error instanceof Error ? error.message : String(error);
    throw new RelayBoxError(ErrorCode.StoreUnavailable, `${this.what} unavailable: ${detail}`, {
      cause: error,
    });
  }
}
