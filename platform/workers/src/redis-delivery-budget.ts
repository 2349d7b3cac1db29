import { connectRedis, type RedisClient } from '@relaybox/adapters';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import {
  budgetWindow,
  checkBudgetOptions,
  type DeliveryBudget,
  type DeliveryBudgetOptions,
} from './delivery-budget.js';
import type { RedisListOptions } from './redis-capped-lists.js';

/**
 * `DeliveryBudget` on Redis, shared by every worker: one counter per app and window,
 * `<prefix>webhooks:{<appId>}:budget:<window>`, INCR + PEXPIRE in one MULTI (the key outlives its
 * window by one window, then expires). Failures reject with a retryable `store_unavailable`.
 */
export class RedisDeliveryBudget implements DeliveryBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly prefix: string;
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;

  constructor(options: DeliveryBudgetOptions & RedisListOptions) {
    checkBudgetOptions(options);
    this.limit = options.limit;
    this.windowMs = options.windowMs;
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

  async take(appId: string, now = Date.now()): Promise<boolean> {
    const key = `${this.prefix}webhooks:{${appId}}:budget:${budgetWindow(now, this.windowMs)}`;
    const results = await this.redis
      .multi()
      .incr(key)
      .pexpire(key, this.windowMs * 2)
      .exec()
      .catch((error: unknown) => this.fail(error));
    const failed = results?.find(([error]) => error);
    if (!results || failed) this.fail(failed?.[0] ?? new Error('transaction aborted'));
    return Number(results[0]?.[1]) <= this.limit;
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.redis.disconnect();
  }

  private fail(cause: unknown): never {
    throw new RelayBoxError(ErrorCode.StoreUnavailable, 'webhook delivery budget unavailable', { cause });
  }
}
