import type { RedisClient } from '@relaybox/adapters';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { AttemptBucket, AttemptLimiter, Reservation } from '../attempt-limiter.js';
import { openAuthRedis, type RedisUserStoreOptions } from './auth-redis.js';

type Scripted = RedisClient & {
  relayboxAttemptsReserve(count: number, ...args: Array<string | number>): Promise<number>;
  relayboxAttemptsRelease(count: number, ...keys: string[]): Promise<number>;
};

/**
 * Sign-in attempt counters in the deployment's Redis, shared by every gateway: one script reserves
 * in all buckets of an attempt at once (`attempts-reserve.lua`). Buckets of one app share its hash
 * tag, so the script touches one Redis Cluster slot.
 */
export class RedisAttemptLimiter implements AttemptLimiter {
  private readonly redis: Scripted;
  private readonly ownsClient: boolean;
  private readonly prefix: string;

  constructor(options: RedisUserStoreOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    const { redis, ownsClient } = openAuthRedis(options, {
      relayboxAttemptsReserve: { file: 'attempts-reserve.lua' },
      relayboxAttemptsRelease: { file: 'attempts-release.lua' },
    });
    this.ownsClient = ownsClient;
    this.redis = redis as Scripted;
  }

  private k(appId: string, key: string): string {
    return `${this.prefix}{auth:${appId}}:attempts:${key}`;
  }

  async reserve(appId: string, buckets: AttemptBucket[], windowMs: number): Promise<Reservation> {
    const keys = buckets.map((b) => this.k(appId, b.key));
    const result = await this.redis
      .relayboxAttemptsReserve(keys.length, ...keys, windowMs, ...buckets.map((b) => b.limit))
      .catch(unavailable);
    return result === 0 ? { ok: true } : { ok: false, retryAfterMs: result };
  }

  async release(appId: string, keys: string[]): Promise<void> {
    const full = keys.map((key) => this.k(appId, key));
    await this.redis.relayboxAttemptsRelease(full.length, ...full).catch(unavailable);
  }

  async reset(appId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.del(...keys.map((key) => this.k(appId, key))).catch(unavailable);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function unavailable(error: unknown): never {
  throw new RelayBoxError(ErrorCode.StoreUnavailable, `attempt limiter unavailable: ${String(error)}`, {
    cause: error,
  });
}
