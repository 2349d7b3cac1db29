import type { AdminInboxDelivery } from '@relaybox/protocol';
import { MemoryCappedLists } from './memory-capped-lists.js';
import { INBOX_DELIVERIES_KEPT, type InboxRecord, type WebhookInbox } from './webhook-inbox.js';

/** `WebhookInbox` in memory, for the embedded engine. */
export class MemoryWebhookInbox implements WebhookInbox {
  private readonly byApp = new Map<string, InboxRecord>();
  private readonly lists = new MemoryCappedLists<AdminInboxDelivery>(INBOX_DELIVERIES_KEPT);

  async save(inbox: InboxRecord): Promise<void> {
    const previous = this.byApp.get(inbox.appId);
    if (previous && previous.id !== inbox.id) this.lists.clear(previous.id);
    this.byApp.set(inbox.appId, structuredClone(inbox));
  }

  async forApp(appId: string): Promise<InboxRecord | undefined> {
    const inbox = this.byApp.get(appId);
    return inbox && structuredClone(inbox);
  }

  async get(id: string): Promise<InboxRecord | undefined> {
    for (const inbox of this.byApp.values()) if (inbox.id === id) return structuredClone(inbox);
    return undefined;
  }

  async remove(appId: string): Promise<void> {
    const inbox = this.byApp.get(appId);
    if (!inbox) return;
    this.byApp.delete(appId);
    this.lists.clear(inbox.id);
  }

  async record(id: string, delivery: AdminInboxDelivery): Promise<void> {
    this.lists.push(id, delivery);
  }

  async deliveries(id: string, limit = INBOX_DELIVERIES_KEPT): Promise<AdminInboxDelivery[]> {
    return this.lists.read(id, limit);
  }

  async close(): Promise<void> {}
}
