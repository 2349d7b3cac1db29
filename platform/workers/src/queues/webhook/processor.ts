import { type Job, PermanentJobError, type WebhookEndpointResolver } from '@relaybox/core';
import { type FetchLike, signWebhook, WebhookHeader, type WebhookPayload } from '@relaybox/rest';
import type { DeadLetter, DeadLetterList } from '../../dead-letter-list.js';
import type { DeliveryAttempt, DeliveryLog } from '../../delivery-log.js';
import type { WebhookJobData } from './queue.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookDeps {
  fetch: FetchLike;
  endpoints: WebhookEndpointResolver;
  log: DeliveryLog;
  deadLetters: DeadLetterList;
  /** Clock for the signature timestamp and the log, ms since the epoch. */
  now: () => number;
  /** Time allowed for the response headers of one try. */
  timeoutMs: number;
}

/** A try that the queue should retry: no answer, a timeout, a 5xx or a 429. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  readonly code = 'ERR_WEBHOOK_DELIVERY';
}

type Outcome = { status: number; error?: undefined } | { status?: undefined; error: string };

/**
 * Delivers one event to one endpoint: POSTs the JSON payload signed with a fresh timestamp
 * (`X-RelayBox-Signature`), with `X-RelayBox-Event-Id` (the same on every try: receivers dedupe on
 * it), `X-RelayBox-Event-Type` and `X-RelayBox-Delivery-Attempt`. Every try is recorded in the
 * endpoint's delivery log. A 2xx completes the job. No answer, a timeout, a 5xx or a 429 throws
 * `WebhookDeliveryError` so the queue retries; any other status (4xx, or a 3xx: redirects are not
 * followed) throws `PermanentJobError`. A job given up (last try, or permanent) first goes to the
 * app's dead-letter list. Never completes a job whose delivery failed.
 */
export async function processWebhook(job: Job<WebhookJobData>, deps: WebhookDeps): Promise<void> {
  const { v, appId, endpointId, event } = job.data;
  if (v !== 1) throw new PermanentJobError(`webhook job ${job.id}: unsupported data version ${v}`);
  const letter = (fields: Pick<DeadLetter, 'reason' | 'lastStatus' | 'lastError'>): DeadLetter => ({
    appId,
    endpointId,
    event,
    attempts: job.attempt,
    failedAt: deps.now(),
    ...fields,
  });

  const endpoint = await deps.endpoints.get(appId, endpointId);
  if (!endpoint) {
    const error = `endpoint ${endpointId} of app ${appId} is no longer configured`;
    await deps.deadLetters.add(letter({ reason: 'endpoint_removed', lastError: error }));
    throw new PermanentJobError(error);
  }

  const payload: WebhookPayload = {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    appId,
    data: event.data,
  };
  const body = JSON.stringify(payload);
  const at = deps.now();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'RelayBox-Webhooks/1',
    [WebhookHeader.Signature]: signWebhook({
      body,
      secret: endpoint.secret,
      timestamp: Math.floor(at / 1000),
    }),
    [WebhookHeader.EventId]: event.id,
    [WebhookHeader.EventType]: event.type,
    [WebhookHeader.DeliveryAttempt]: String(job.attempt),
  };
  const started = performance.now();
  const outcome = await post(deps, endpoint.url, headers, body);
  const entry: DeliveryAttempt = {
    eventId: event.id,
    type: event.type,
    attempt: job.attempt,
    ...outcome,
    latencyMs: Math.round(performance.now() - started),
    at,
  };
  // A failed write rejects the try: the delivery is retried and the receiver dedupes by event id.
  await deps.log.record(appId, endpointId, entry);

  if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) return;
  const retryable = outcome.status === undefined || outcome.status >= 500 || outcome.status === 429;
  const what = outcome.status === undefined ? outcome.error : `HTTP ${outcome.status}`;
  const description = `webhook ${event.id} to endpoint ${endpointId} (try ${job.attempt} of ${job.maxAttempts}): ${what}`;
  if (!retryable) {
    await deps.deadLetters.add(letter({ reason: 'rejected', lastStatus: outcome.status }));
    throw new PermanentJobError(description);
  }
  if (job.attempt >= job.maxAttempts) {
    await deps.deadLetters.add(
      letter({ reason: 'exhausted', lastStatus: outcome.status, lastError: outcome.error }),
    );
  }
  throw new WebhookDeliveryError(description);
}

/** One POST bounded by `timeoutMs` (to the response headers); the body of the answer is discarded. */
async function post(
  deps: WebhookDeps,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<Outcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.timeoutMs);
  try {
    const response = await deps.fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    // Only the status matters; cancelling frees the connection without reading a large answer.
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  } catch (error) {
    if (controller.signal.aborted) return { error: `timeout: no answer within ${deps.timeoutMs} ms` };
    return { error: `network error: ${describe(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
