import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { signWebhook, WebhookHeader, type WebhookPayload } from '@relaybox/rest';
import { randomId } from '../lib/ids.js';
import { BlockedAddressError, isPrivateAddress, publicOnlyLookup } from './public-address-guard.js';
import { TEST_EVENT_TYPE } from './webhook-events.js';
import type { Delivery } from './webhook-store.js';

export interface SendOptions {
  timeoutMs: number;
  /** False in production by default: refuse loopback/private/link-local targets (SSRF). */
  allowPrivateNetworks: boolean;
}

type Outcome = { status: number } | { error: string };

/**
 * Sends one signed test event to an endpoint, the way the platform's workers send real ones
 * (same headers, `signWebhook` signature), bounded by `timeoutMs` to the response headers.
 * Never throws: the outcome is what the delivery log records.
 */
export async function sendTestEvent(
  endpoint: { url: string; secret: string },
  appId: string,
  options: SendOptions,
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
  const started = performance.now();
  const outcome = await post(new URL(endpoint.url), headers, body, options);
  const durationMs = Math.round(performance.now() - started);
  if ('error' in outcome)
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

/** One POST with node:http(s) (its `lookup` hook lets the address guard run at connect time). */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<Outcome> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetworks && isIP(host) !== 0 && isPrivateAddress(host)) {
    return Promise.resolve({ error: `blocked: ${host} is a private address` });
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal,
        ...(options.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        // Only the status matters; the answer's body is discarded.
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
        request.destroy();
      },
    );
    request.on('error', (error) => {
      if (signal.aborted) return resolve({ error: `timeout: no answer within ${options.timeoutMs} ms` });
      if (error instanceof BlockedAddressError) return resolve({ error: `blocked: ${error.message}` });
      const code = (error as NodeJS.ErrnoException).code;
      resolve({ error: `network error: ${code ?? error.message}` });
    });
    request.end(body);
  });
}
