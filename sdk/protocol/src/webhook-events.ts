/**
 * Every event a webhook endpoint can subscribe to (docs/webhooks.md). One list for the platform,
 * the control plane and the dashboard.
 */
export const WEBHOOK_EVENT_TYPES = [
  'connection.opened',
  'connection.closed',
  'room.joined',
  'room.left',
  'presence.enter',
  'presence.update',
  'presence.leave',
  'message.published',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
