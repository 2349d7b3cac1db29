/**
 * The platform's webhook event types (WEBHOOK_EVENT_TYPES in @relaybox/core, docs/webhooks.md).
 * Copied because the dashboard does not depend on the platform packages; keep the two in step.
 */
export const WEBHOOK_EVENTS = [
  'connection.opened',
  'connection.closed',
  'room.joined',
  'room.left',
  'presence.enter',
  'presence.update',
  'presence.leave',
  'message.published',
] as const;

/** The type of the event "send test event" delivers; never sent by the platform itself. */
export const TEST_EVENT_TYPE = 'webhook.test';
