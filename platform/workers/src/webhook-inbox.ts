import type { AdminInboxDelivery, WebhookEventType } from '@relaybox/protocol';

/** An app's webhook inbox, with the secret of the endpoint it is registered as. */
export interface InboxRecord {
  /** Unguessable (`inb_` + 128 random bits): the receiver URL is not otherwise authenticated. */
  id: string;
  appId: string;
  endpointId: string;
  url: string;
  /** The endpoint's signing secret. Never leaves the platform (admin answers omit it). */
  secret: string;
  events: readonly WebhookEventType[];
  rooms?: readonly string[];
  respondWith: number;
  createdAt: number;
}

/** Requests kept per inbox, newest first. */
export const INBOX_DELIVERIES_KEPT = 100;
/** Largest request body the inbox accepts (413 `frame_too_large` above it: the worker dead-letters it). */
export const INBOX_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The webhook inboxes of the local stack (docs/webhooks.md#the-webhook-inbox): at most one per app,
 * and the requests each received.
 *
 * Guarantees: `save` replaces the app's inbox (and forgets the one it replaced, with its requests);
 * lookups by id never return another app's inbox unless asked by that id. `record` keeps the last
 * `INBOX_DELIVERIES_KEPT` requests per inbox. Shared by every process of a cluster in redis store mode.
 */
export interface WebhookInbox {
  save(inbox: InboxRecord): Promise<void>;
  forApp(appId: string): Promise<InboxRecord | undefined>;
  get(id: string): Promise<InboxRecord | undefined>;
  remove(appId: string): Promise<void>;
  record(id: string, delivery: AdminInboxDelivery): Promise<void>;
  deliveries(id: string, limit?: number): Promise<AdminInboxDelivery[]>;
  close(): Promise<void>;
}
