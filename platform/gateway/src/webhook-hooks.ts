import { endpointWants, type WebhookEndpointResolver } from '@relaybox/core';
import {
  createWebhookEvent,
  type WebhookDispatcher,
  type WebhookEvent,
  type WebhookEventDataMap,
  type WebhookEventType,
} from '@relaybox/workers';
import type { Logger } from './logger.js';

/**
 * Where the gateway's events become webhook jobs. An event is created (id, timestamp) only when an
 * endpoint of the app wants it, so apps without webhooks pay one lookup per event and nothing on the
 * publish path beyond it. Emitting never blocks or fails the request that caused it.
 */
export class WebhookHooks {
  constructor(
    private readonly endpoints: WebhookEndpointResolver,
    private readonly dispatcher: WebhookDispatcher,
    private readonly log: Logger,
  ) {}

  /** `traceparent`: the trace the webhook deliveries of this event continue (OpenTelemetry export). */
  emit<T extends WebhookEventType>(
    appId: string,
    type: T,
    data: WebhookEventDataMap[T],
    traceparent?: string,
  ): void {
    const room =
      type === 'message.published' ? (data as WebhookEventDataMap['message.published']).room : undefined;
    this.endpoints
      .endpointsFor(appId)
      .then((endpoints) => {
        if (!endpoints.some((endpoint) => endpointWants(endpoint, type, room))) return;
        // The generic event is one member of the WebhookEvent union; TS cannot narrow a generic T.
        const event = createWebhookEvent(type, data) as unknown as WebhookEvent;
        return this.dispatcher.emit(appId, event, traceparent).catch((error: unknown) => {
          // One retry with the same event: its job id dedupes what the first attempt stored.
          this.log.warn('webhook enqueue failed; retrying once', { type, error: String(error) });
          return this.dispatcher.emit(appId, event, traceparent);
        });
      })
      .catch((error: unknown) => this.log.error('webhook event lost', { type, error: String(error) }));
  }
}
