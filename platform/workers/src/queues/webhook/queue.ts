import { defineQueue, type QueueDefinition } from '@relaybox/core';
import type { WebhookEvent } from '../../webhook-events.js';

export const WEBHOOK_QUEUE_NAME = 'webhook';

/**
 * One delivery of one event to one endpoint. Carries ids only, never the endpoint's URL or secret:
 * the processor resolves them on every try, so a changed secret or URL applies to retries.
 */
export interface WebhookJobDataV1 {
  v: 1;
  appId: string;
  endpointId: string;
  event: WebhookEvent;
  /**
   * The W3C trace context of the event's cause (the publish span), when the enqueuing gateway
   * exports OpenTelemetry spans. Optional: jobs without it are delivered the same, untraced.
   */
  traceparent?: string;
}

export type WebhookJobData = WebhookJobDataV1;

/** Tries in total: with the default 1 s base delay, retries span 1 + 2 + ... + 2048 s ≈ 68 min. */
export const WEBHOOK_ATTEMPTS = 13;
export const WEBHOOK_BASE_DELAY_MS = 1000;
/** Deliveries one worker process runs at once: a slow endpoint must not hold up the others. */
export const WEBHOOK_CONCURRENCY = 32;

export interface WebhookQueueOptions {
  /** Delay before the first retry, doubling after each. Default 1000 ms. */
  baseDelayMs?: number;
  /** Default 13. */
  attempts?: number;
}

/** The webhook queue with exponential backoff; tests shrink `baseDelayMs` to milliseconds. */
export function webhookQueue(options: WebhookQueueOptions = {}): QueueDefinition<WebhookJobData> {
  return defineQueue<WebhookJobData>(WEBHOOK_QUEUE_NAME, {
    attempts: options.attempts ?? WEBHOOK_ATTEMPTS,
    backoff: { type: 'exponential', delayMs: options.baseDelayMs ?? WEBHOOK_BASE_DELAY_MS },
  });
}

/** One job per (event, endpoint): enqueuing the same event for the same endpoint again is a no-op. */
export function webhookJobId(eventId: string, endpointId: string): string {
  return `${eventId}:${endpointId}`;
}
