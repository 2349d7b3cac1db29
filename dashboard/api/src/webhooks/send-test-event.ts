import { signWebhook, WebhookHeader, type WebhookPayload } from '@relaybox/rest';
import { randomId } from '../lib/ids.js';
import { TEST_EVENT_TYPE } from './webhook-events.js';
import type { Delivery } from './webhook-store.js';

/**
 * Sends one signed test event to an endpoint, the way the platform's workers send real ones
 * (same headers, `signWebhook` signature), bounded by `timeoutMs` to the response headers.
 * Never throws: the outcome is what the delivery log records.
 */
export async function sendTestEvent(
  endpoint: { url: string; secret: string },
  appId: string,
  timeoutMs: number,
): Promise<Omit<Delivery, 'id' | 'at'>> {
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
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      event: TEST_EVENT_TYPE,
      status: response.status,
      ok,
      error: ok ? null : `HTTP ${response.status}`,
      durationMs: took(),
    };
  } catch (error) {
    const message = controller.signal.aborted
      ? `timeout: no answer within ${timeoutMs} ms`
      : `network error: ${describe(error)}`;
    return { event: TEST_EVENT_TYPE, status: null, ok: false, error: message, durationMs: took() };
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
