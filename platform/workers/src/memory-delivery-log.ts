import { DELIVERY_LOG_SIZE, type DeliveryAttempt, type DeliveryLog } from './delivery-log.js';
import { MemoryCappedLists } from './memory-capped-lists.js';

/** `DeliveryLog` in memory, for the embedded engine. */
export class MemoryDeliveryLog implements DeliveryLog {
  private readonly lists = new MemoryCappedLists<DeliveryAttempt>(DELIVERY_LOG_SIZE);

  async record(appId: string, endpointId: string, attempt: DeliveryAttempt): Promise<void> {
    this.lists.push(`${appId}\u0000${endpointId}`, attempt);
  }

  async recent(appId: string, endpointId: string, limit = DELIVERY_LOG_SIZE): Promise<DeliveryAttempt[]> {
    return this.lists.read(`${appId}\u0000${endpointId}`, limit);
  }
}
