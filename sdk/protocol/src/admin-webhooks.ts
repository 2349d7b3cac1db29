import type { WebhookEventType } from './webhook-events.js';

// Wire types of the inspector's webhook routes (docs/inspector.md#webhooks) and of the webhook
// inbox (docs/webhooks.md#the-webhook-inbox). Secrets never appear in any of them.

/** One endpoint of an app (`GET /v1/admin/webhooks?appId=`), without its secret. */
export interface AdminWebhookEndpoint {
  appId: string;
  id: string;
  url: string;
  events: readonly WebhookEventType[];
  rooms?: readonly string[];
  /** The id of the webhook inbox behind this endpoint, when it is one. */
  inboxId?: string;
}

/** One try of one delivery (`GET /v1/admin/webhooks/:endpointId/deliveries?appId=`), newest first. */
export interface AdminDeliveryAttempt {
  eventId: string;
  type: WebhookEventType;
  attempt: number;
  status?: number;
  error?: string;
  latencyMs: number;
  at: number;
}

/** One event given up for one endpoint (`GET /v1/admin/webhooks/dead-letters?appId=`). */
export interface AdminDeadLetter {
  appId: string;
  endpointId: string;
  event: { id: string; type: WebhookEventType; createdAt: number; data: unknown };
  attempts: number;
  reason: 'exhausted' | 'rejected' | 'endpoint_removed' | 'blocked' | 'budget_exhausted';
  lastStatus?: number;
  lastError?: string;
  failedAt: number;
}

/** Body of `POST /v1/admin/webhooks/dead-letters/requeue` and of an inbox replay (`appId` implied). */
export interface AdminRedeliverRequest {
  appId: string;
  endpointId: string;
  eventId: string;
}

/** 202 answer of a requeue or replay: the event is queued again under the same event id. */
export interface AdminRedeliverResult {
  appId: string;
  endpointId: string;
  eventId: string;
  jobId: string;
}

/**
 * A webhook inbox: a receiver served by the local stack (`POST /v1/dev/inbox/:id`) registered as a
 * webhook endpoint of the app, whose deliveries the console shows.
 */
export interface AdminInbox {
  id: string;
  appId: string;
  endpointId: string;
  /** Where the worker posts (the endpoint's URL). */
  url: string;
  events: readonly WebhookEventType[];
  rooms?: readonly string[];
  /** The status the receiver answers with: 200, or a failure to try retries and dead letters. */
  respondWith: number;
  createdAt: number;
}

/** Body of `POST /v1/admin/webhooks/inbox`: registers (or updates) the app's inbox. */
export interface AdminInboxRequest {
  appId: string;
  /** Default every event type. */
  events?: WebhookEventType[];
  /** Rooms whose `message.published` events it gets; default `['*']` (every room). */
  rooms?: string[];
  /** 200..599, default 200. */
  respondWith?: number;
  /** Origin the worker posts to; default the origin the request was sent to. */
  baseUrl?: string;
}

/** One request the inbox received (`GET /v1/admin/webhooks/inbox/:id/deliveries`), newest first. */
export interface AdminInboxDelivery {
  /** Unique per received request. */
  id: string;
  receivedAt: number;
  /** The event id header (`x-relaybox-event-id`), when present. */
  eventId?: string;
  eventType?: string;
  attempt?: number;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  /** The body as received (UTF-8, cut at the inbox's bound). */
  body: string;
  /** Whether `x-relaybox-signature` verified against the endpoint's secret (fresh timestamp). */
  verified: boolean;
  /** Why it did not verify. */
  verifyError?: string;
  /** The status the inbox answered with. */
  status: number;
}
