import { matchesPattern, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@relaybox/protocol';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@relaybox/protocol';

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** One URL of an app that receives signed event deliveries. */
export interface WebhookEndpoint {
  appId: string;
  id: string;
  /** http(s) URL without credentials. */
  url: string;
  /** Signs every delivery (HMAC-SHA256); at least 16 characters. Never logged. */
  secret: string;
  /** The event types this endpoint receives. */
  events: readonly WebhookEventType[];
  /**
   * Room patterns (permission syntax) selecting the rooms whose `message.published` events this
   * endpoint receives; required for, and only for, `message.published`.
   */
  rooms?: readonly string[] | undefined;
}

/**
 * Where the webhook endpoints of an app are configured (local apps file now, control plane later).
 *
 * Guarantees: endpoints are looked up by appId, or by the pair (appId, endpointId): an endpoint id
 * of another app is not found. Implementations may cache; a change is visible within their
 * documented delay. Results are read-only.
 */
export interface WebhookEndpointResolver {
  endpointsFor(appId: string): Promise<readonly WebhookEndpoint[]>;
  get(appId: string, endpointId: string): Promise<WebhookEndpoint | undefined>;
}

/**
 * Whether `endpoint` subscribes to an event of `type` (`room`: the room of a `message.published`
 * event). Messages are opt-in per room: without a matching pattern in `rooms` they are not sent.
 */
export function endpointWants(endpoint: WebhookEndpoint, type: WebhookEventType, room?: string): boolean {
  if (!endpoint.events.includes(type)) return false;
  if (type !== 'message.published') return true;
  if (room === undefined || !endpoint.rooms) return false;
  return endpoint.rooms.some((pattern) => matchesPattern(pattern, room));
}
