import {
  type Job,
  PermanentJobError,
  postWebhook,
  type SpanSink,
  type WebhookEndpointResolver,
  type WebhookPostOutcome,
} from '@relaybox/core';
import { signWebhook, WebhookHeader, type WebhookPayload } from '@relaybox/rest';
import type { DeadLetter, DeadLetterList } from '../../dead-letter-list.js';
import type { DeliveryBudget } from '../../delivery-budget.js';
import type { DeliveryAttempt, DeliveryLog } from '../../delivery-log.js';
import { AttemptSpan } from './attempt-span.js';
import type { WebhookJobData } from './queue.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookDeps {
  /**
   * False: refuse endpoints whose host is or resolves to a loopback, private, link-local, multicast
   * or unspecified address, checked on the connected address of every try (SSRF guard). The local
   * engines allow them by default; production and cloud mode do not.
   */
  allowPrivateNetworks: boolean;
  /** Tries allowed per app per window; a try beyond it makes no POST (see processWebhook). */
  budget: DeliveryBudget;
  endpoints: WebhookEndpointResolver;
  log: DeliveryLog;
  deadLetters: DeadLetterList;
  /** Clock for the signature timestamp and the log, ms since the epoch. */
  now: () => number;
  /** Time allowed for the response headers of one try. */
  timeoutMs: number;
  /** OpenTelemetry: a `relaybox.webhook.attempt` span per try of a traced job. Off when absent. */
  spans?: SpanSink;
}

/** A try that the queue should retry: no answer, a timeout, a 5xx or a 429. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  readonly code = 'ERR_WEBHOOK_DELIVERY';
}

/**
 * Delivers one event to one endpoint: POSTs the JSON payload signed with a fresh timestamp
 * (`X-RelayBox-Signature`), with `X-RelayBox-Event-Id` (the same on every try: receivers dedupe on
 * it), `X-RelayBox-Event-Type` and `X-RelayBox-Delivery-Attempt`. Every try is recorded in the
 * endpoint's delivery log. A 2xx completes the job. No answer, a timeout, a 5xx or a 429 throws
 * `WebhookDeliveryError` so the queue retries; any other status (4xx, or a 3xx: redirects are not
 * followed) throws `PermanentJobError`. A job given up (last try, or permanent) first goes to the
 * app's dead-letter list. Never completes a job whose delivery failed.
 *
 * Every try first takes one from the app's delivery budget. When it is spent the try makes no POST:
 * it is logged as `deferred: ...` and fails as retryable, so the job waits for its next try (its
 * usual backoff); on the last try it is dead-lettered with reason `budget_exhausted`.
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

  await takeBudget(job, deps, letter);

  const payload: WebhookPayload = {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    appId,
    data: event.data,
  };
  const body = JSON.stringify(payload);
  const at = deps.now();
  const headers: Record<string, string> = {
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
  const span = AttemptSpan.start(deps.spans, job.data);
  if (span) headers.traceparent = span.traceparent;
  const started = performance.now();
  const outcome = await post(deps, endpoint.url, headers, body);
  span?.end(job, endpoint.url, outcome);
  const entry: DeliveryAttempt = {
    eventId: event.id,
    type: event.type,
    attempt: job.attempt,
    ...(outcome.status === undefined ? { error: outcome.error } : { status: outcome.status }),
    latencyMs: Math.round(performance.now() - started),
    at,
  };
  // A failed write rejects the try: the delivery is retried and the receiver dedupes by event id.
  await deps.log.record(appId, endpointId, entry);

  if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) return;
  if (outcome.blocked) {
    // A refused target: retrying cannot help until the endpoint's URL changes.
    await deps.deadLetters.add(letter({ reason: 'blocked', lastError: outcome.error }));
    throw new PermanentJobError(`webhook ${event.id} to endpoint ${endpointId}: ${outcome.error}`);
  }
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

/** Takes one try from the app's budget, or logs the try as deferred and throws (see processWebhook). */
async function takeBudget(
  job: Job<WebhookJobData>,
  deps: WebhookDeps,
  letter: (fields: Pick<DeadLetter, 'reason' | 'lastStatus' | 'lastError'>) => DeadLetter,
): Promise<void> {
  const { appId, endpointId, event } = job.data;
  if (await deps.budget.take(appId)) return;
  const { limit, windowMs } = deps.budget;
  const error = `deferred: the app's delivery budget (${limit} per ${windowMs} ms) is spent`;
  const attempt = { eventId: event.id, type: event.type, attempt: job.attempt, error, latencyMs: 0 };
  await deps.log.record(appId, endpointId, { ...attempt, at: deps.now() });
  if (job.attempt >= job.maxAttempts) {
    await deps.deadLetters.add(letter({ reason: 'budget_exhausted', lastError: error }));
  }
  throw new WebhookDeliveryError(`webhook ${event.id} to endpoint ${endpointId}: ${error}`);
}

/** One POST through the SSRF guard, bounded by `timeoutMs` to the response headers. */
function post(
  deps: WebhookDeps,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<WebhookPostOutcome> {
  return postWebhook(url, headers, body, {
    timeoutMs: deps.timeoutMs,
    allowPrivateNetworks: deps.allowPrivateNetworks,
  });
}
