import type { WebhookEventType } from './webhook-events.js';

/** One try to deliver one event to one endpoint. */
export interface DeliveryAttempt {
  eventId: string;
  type: WebhookEventType;
  /** 1 for the first try. */
  attempt: number;
  /** The HTTP status, when the endpoint answered. */
  status?: number;
  /** Why there was no answer (network error, timeout), when it did not. */
  error?: string;
  /** From sending the request to the response headers (or the failure). */
  latencyMs: number;
  /** When the try started, ms since the epoch. */
  at: number;
}

/** Attempts kept per endpoint. */
export const DELIVERY_LOG_SIZE = 100;

/**
 * The recent delivery attempts of each webhook endpoint, for the console and the dashboard.
 *
 * Guarantees: per (appId, endpointId), the last `DELIVERY_LOG_SIZE` recorded attempts, newest first;
 * endpoints of different apps never share a log. `record` resolves once the attempt is stored.
 */
export interface DeliveryLog {
  record(appId: string, endpointId: string, attempt: DeliveryAttempt): Promise<void>;
  recent(appId: string, endpointId: string, limit?: number): Promise<DeliveryAttempt[]>;
}
