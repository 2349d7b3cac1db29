import type { WebhookEvent } from './webhook-events.js';

/** An event that could not be delivered to one endpoint. */
export interface DeadLetter {
  appId: string;
  endpointId: string;
  event: WebhookEvent;
  /** Tries made. */
  attempts: number;
  /**
   * `exhausted`: every try failed with a retryable outcome (network, timeout, 5xx, 429);
   * `rejected`: the endpoint answered with a status retrying cannot fix (4xx, 3xx);
   * `endpoint_removed`: the endpoint was no longer configured when the job ran;
   * `blocked`: the endpoint's host is or resolves to a private address and private networks are
   * not allowed (no POST was made; not retried);
   * `budget_exhausted`: the app's delivery budget was spent on the last try (no POST was made).
   */
  reason: 'exhausted' | 'rejected' | 'endpoint_removed' | 'blocked' | 'budget_exhausted';
  /** The last HTTP status, when the endpoint answered. */
  lastStatus?: number;
  /** The last network error or timeout, when it did not. */
  lastError?: string;
  /** When it was given up, ms since the epoch. */
  failedAt: number;
}

/** Dead letters kept per app. */
export const DEAD_LETTER_LIMIT = 1000;

/**
 * Webhook deliveries that were given up, per app, for inspection and manual replay.
 *
 * Guarantees: per app, the last `DEAD_LETTER_LIMIT` letters, newest first; apps never share a
 * list. `add` resolves once the letter is stored. A job that is retried after a crash may add the
 * same letter twice (at least once).
 */
export interface DeadLetterList {
  /** Resolves with the letters the bound dropped to make room (the oldest), usually none. */
  add(letter: DeadLetter): Promise<DeadLetter[]>;
  list(appId: string, limit?: number): Promise<DeadLetter[]>;
  /**
   * Removes the newest letter of (appId, endpointId, eventId) and returns it; undefined when there is
   * none. Of two concurrent takes of one letter, one gets it (a requeue never runs twice per letter).
   */
  take(appId: string, endpointId: string, eventId: string): Promise<DeadLetter | undefined>;
}

/** Whether `letter` is the one of (endpointId, eventId). */
export const letterOf =
  (endpointId: string, eventId: string) =>
  (letter: DeadLetter): boolean =>
    letter.endpointId === endpointId && letter.event.id === eventId;
