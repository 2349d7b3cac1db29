import type { WebhookEndpointResolver } from '@relaybox/core';
import type { DeliveryLog } from '@relaybox/workers';
import type { Tracer } from './tracer.js';

/** Records webhook attempts as before and emits `webhook.attempt` for each (with the endpoint's URL). */
export function tracedDeliveryLog(
  inner: DeliveryLog,
  tracer: Tracer,
  endpoints: WebhookEndpointResolver,
): DeliveryLog & { close(): Promise<void> } {
  return {
    close: async () => (inner as { close?: () => Promise<void> }).close?.(),
    recent: (appId, endpointId, limit) => inner.recent(appId, endpointId, limit),
    record: async (appId, endpointId, attempt) => {
      await inner.record(appId, endpointId, attempt);
      const endpoint = await endpoints.get(appId, endpointId).catch(() => undefined);
      tracer.emit('webhook.attempt', {
        appId,
        detail: {
          url: endpoint?.url,
          endpointId,
          eventId: attempt.eventId,
          event: attempt.type,
          attempt: attempt.attempt,
          status: attempt.status,
          error: attempt.error,
          latencyMs: attempt.latencyMs,
        },
      });
    },
  };
}
