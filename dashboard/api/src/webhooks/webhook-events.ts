import { WEBHOOK_EVENT_TYPES } from '@relaybox/protocol';

/** The platform's webhook event types (docs/webhooks.md). */
export const WEBHOOK_EVENTS = WEBHOOK_EVENT_TYPES;

/** The type of the event "send test event" delivers; never sent by the platform itself. */
export const TEST_EVENT_TYPE = 'webhook.test';
