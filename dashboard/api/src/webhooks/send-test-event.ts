import { postWebhook } from '@relaybox/core';
import { signWebhook, WebhookHeader, type WebhookPayload } from '@relaybox/rest';
import { randomId } from '../lib/ids.js';
import { TEST_EVENT_TYPE } from './webhook-events.js';
import type { Delivery } from './webhook-store.js';

/** What a test send records (the log adds id, time and kind). */
export type TestOutcome = Omit<Delivery, 'id' | 'at' | 'kind' | 'eventId' | 'attempt'>;

export interface SendOptions {
  timeoutMs: number;
  /** False in production by default: refuse loopback/private/link-local targets (SSRF). */
  allowPrivateNetworks: boolean;
}

/**
 * Sends one signed test event to an endpoint, the way the platform's workers send real ones
 * (same headers, `signWebhook` signature), bounded by `timeoutMs` to the response headers.
 * Never throws: the outcome is what the delivery log records.
 */
export async function sendTestEvent(
  endpoint: { url: string; secret: string },
  appId: string,
  options: SendOptions,
): Promise<TestOutcome> {
  const id = `evt_test_${randomId(16)}`;
  const payload: WebhookPayload = {
    id,
    type: TEST_EVENT_TYPE,
    createdAt: Date.now(),
    appId,
    data: { message: 'Test event sent from the RelayBox dashboard' },
  };
  const body = JSON.stringify(payload);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'RelayBox-Webhooks/1',
    [WebhookHeader.Signature]: signWebhook({ body, secret: endpoint.secret }),
    [WebhookHeader.EventId]: id,
    [WebhookHeader.EventType]: TEST_EVENT_TYPE,
    [WebhookHeader.DeliveryAttempt]: '1',
  };
  const started = performance.now();
  const outcome = await postWebhook(endpoint.url, headers, body, options);
  const durationMs = Math.round(performance.now() - started);
  if (outcome.status === undefined)
    return { event: TEST_EVENT_TYPE, status: null, ok: false, error: outcome.error, durationMs };
  const ok = outcome.status >= 200 && outcome.status < 300;
  return {
    event: TEST_EVENT_TYPE,
    status: outcome.status,
    ok,
    error: ok ? null : `HTTP ${outcome.status}`,
    durationMs,
  };
}
