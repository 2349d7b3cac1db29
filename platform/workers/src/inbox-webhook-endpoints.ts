import type { WebhookEndpoint, WebhookEndpointResolver } from '@relaybox/core';
import type { InboxRecord, WebhookInbox } from './webhook-inbox.js';

/** How long a process trusts its copy of an app's inbox (another process's change shows within it). */
export const INBOX_CACHE_MS = 1000;

/**
 * The configured endpoints of an app plus its webhook inbox, if it has one. The inbox is read from
 * the shared `WebhookInbox` at most once per `INBOX_CACHE_MS` per app (a registration made through
 * another gateway reaches this one's events within that); `forget` drops the copy at once.
 */
export class InboxWebhookEndpoints implements WebhookEndpointResolver {
  private readonly cache = new Map<string, { until: number; inbox: Promise<InboxRecord | undefined> }>();

  constructor(
    private readonly base: WebhookEndpointResolver,
    private readonly inbox: WebhookInbox,
  ) {}

  /** An inbox can be registered at any time: the webhook machinery always runs. */
  hasAny(): boolean {
    return true;
  }

  forget(appId: string): void {
    this.cache.delete(appId);
  }

  async endpointsFor(appId: string): Promise<readonly WebhookEndpoint[]> {
    const [configured, inbox] = await Promise.all([this.base.endpointsFor(appId), this.inboxOf(appId)]);
    return inbox ? [...configured, endpointOf(inbox)] : configured;
  }

  async get(appId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const configured = await this.base.get(appId, endpointId);
    if (configured) return configured;
    const inbox = await this.inboxOf(appId);
    return inbox?.endpointId === endpointId ? endpointOf(inbox) : undefined;
  }

  private inboxOf(appId: string): Promise<InboxRecord | undefined> {
    const now = Date.now();
    const cached = this.cache.get(appId);
    if (cached && cached.until > now) return cached.inbox;
    // A failed read is not cached: the next event tries again.
    const inbox = this.inbox.forApp(appId).catch((error: unknown) => {
      this.cache.delete(appId);
      throw error;
    });
    this.cache.set(appId, { until: now + INBOX_CACHE_MS, inbox });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return inbox;
  }
}

function endpointOf(inbox: InboxRecord): WebhookEndpoint {
  return {
    appId: inbox.appId,
    id: inbox.endpointId,
    url: inbox.url,
    secret: inbox.secret,
    events: inbox.events,
    rooms: inbox.rooms,
  };
}
