import { DELIVERY_LOG_SIZE, type DeliveryAttempt, type DeliveryLog } from './delivery-log.js';
import { RedisCappedLists, type RedisListOptions } from './redis-capped-lists.js';

/** `DeliveryLog` on Redis: one list per endpoint, `<prefix>webhooks:{<appId>}:log:<endpointId>`. */
export class RedisDeliveryLog implements DeliveryLog {
  private readonly lists: RedisCappedLists<DeliveryAttempt>;

  constructor(options: RedisListOptions = {}) {
    this.lists = new RedisCappedLists(DELIVERY_LOG_SIZE, 'delivery log', options);
  }

  async record(appId: string, endpointId: string, attempt: DeliveryAttempt): Promise<void> {
    await this.lists.push(this.key(appId, endpointId), attempt);
  }

  recent(appId: string, endpointId: string, limit = DELIVERY_LOG_SIZE): Promise<DeliveryAttempt[]> {
    return this.lists.read(this.key(appId, endpointId), limit);
  }

  close(): Promise<void> {
    return this.lists.close();
  }

  private key(appId: string, endpointId: string): string {
    return `${this.lists.prefix}webhooks:{${appId}}:log:${endpointId}`;
  }
}
