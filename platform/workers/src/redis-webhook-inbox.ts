import { connectRedis, type RedisClient } from '@relaybox/adapters';
import { type AdminInboxDelivery, ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { RedisCappedLists, type RedisListOptions } from './redis-capped-lists.js';
import { INBOX_DELIVERIES_KEPT, type InboxRecord, type WebhookInbox } from './webhook-inbox.js';

/**
 * `WebhookInbox` on Redis. Keys: `<prefix>webhooks:{<appId>}:inbox` (the app's inbox, JSON),
 * `<prefix>webhooks:inbox:<id>` (its app id, to find it by id), `<prefix>webhooks:inbox:{<id>}:requests`
 * (capped list). No command touches two keys, so it runs on Redis Cluster as is.
 */
export class RedisWebhookInbox implements WebhookInbox {
  private readonly redis: RedisClient;
  private readonly lists: RedisCappedLists<AdminInboxDelivery>;
  private readonly prefix: string;

  constructor(options: RedisListOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    this.redis =
      options.client ??
      connectRedis(options.url ?? 'redis://127.0.0.1:6379', {
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        commandTimeout: options.commandTimeoutMs ?? 5000,
        retryStrategy: (times) => Math.min(times * 100, 1000),
      });
    if (!options.client) this.redis.on('error', () => {});
    this.lists = new RedisCappedLists(INBOX_DELIVERIES_KEPT, 'webhook inbox', {
      ...options,
      client: this.redis,
    });
    this.ownsClient = options.client === undefined;
  }

  private readonly ownsClient: boolean;

  async save(inbox: InboxRecord): Promise<void> {
    const previous = await this.forApp(inbox.appId);
    await this.call(() => this.redis.set(this.idKey(inbox.id), inbox.appId));
    await this.call(() => this.redis.set(this.appKey(inbox.appId), JSON.stringify(inbox)));
    if (previous && previous.id !== inbox.id) await this.forget(previous.id);
  }

  async forApp(appId: string): Promise<InboxRecord | undefined> {
    const raw = await this.call(() => this.redis.get(this.appKey(appId)));
    return raw ? (JSON.parse(raw) as InboxRecord) : undefined;
  }

  async get(id: string): Promise<InboxRecord | undefined> {
    const appId = await this.call(() => this.redis.get(this.idKey(id)));
    if (!appId) return undefined;
    const inbox = await this.forApp(appId);
    return inbox?.id === id ? inbox : undefined;
  }

  async remove(appId: string): Promise<void> {
    const inbox = await this.forApp(appId);
    if (!inbox) return;
    await this.call(() => this.redis.del(this.appKey(appId)));
    await this.forget(inbox.id);
  }

  async record(id: string, delivery: AdminInboxDelivery): Promise<void> {
    await this.lists.push(this.requestsKey(id), delivery);
  }

  deliveries(id: string, limit = INBOX_DELIVERIES_KEPT): Promise<AdminInboxDelivery[]> {
    return this.lists.read(this.requestsKey(id), limit);
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async forget(id: string): Promise<void> {
    await this.call(() => this.redis.del(this.idKey(id)));
    await this.call(() => this.redis.del(this.requestsKey(id)));
  }

  private appKey(appId: string): string {
    return `${this.prefix}webhooks:{${appId}}:inbox`;
  }

  private idKey(id: string): string {
    return `${this.prefix}webhooks:inbox:${id}`;
  }

  private requestsKey(id: string): string {
    return `${this.prefix}webhooks:inbox:{${id}}:requests`;
  }

  private async call<R>(command: () => Promise<R>): Promise<R> {
    try {
      return await command();
    } catch (error) {
      throw new RelayBoxError(ErrorCode.StoreUnavailable, `webhook inbox unavailable: ${String(error)}`, {
        cause: error,
      });
    }
  }
}
