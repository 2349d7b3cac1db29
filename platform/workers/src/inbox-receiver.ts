import { randomBytes } from 'node:crypto';
import { type AdminInboxDelivery, ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { verifyWebhook, WebhookHeader } from '@relaybox/rest';
import type { WebhookInbox } from './webhook-inbox.js';

/** Header values kept per request at most (longer ones are cut). */
const MAX_HEADER_VALUE = 2048;
/** Headers kept per request at most. */
const MAX_HEADERS = 64;

/**
 * Records one request to the inbox `id` (the `POST /v1/dev/inbox/:id` receiver) with its signature
 * checked against the inbox endpoint's secret, and returns the status to answer with (the inbox's
 * `respondWith`). An unknown inbox is `not_found`: nothing is recorded.
 */
export async function receiveInboxDelivery(
  inbox: WebhookInbox,
  id: string,
  request: { headers: Record<string, string>; body: Buffer },
  now: () => number = Date.now,
): Promise<{ status: number; delivery: AdminInboxDelivery }> {
  const found = await inbox.get(id);
  if (!found) throw new RelayBoxError(ErrorCode.NotFound, 'no such webhook inbox');
  const headers = boundedHeaders(request.headers);
  const body = request.body.toString('utf8');
  let verifyError: string | undefined;
  try {
    verifyWebhook({ body, headers, secret: found.secret, now: now() });
  } catch (error) {
    verifyError = error instanceof Error ? error.message : String(error);
  }
  const attempt = Number(headers[WebhookHeader.DeliveryAttempt.toLowerCase()]);
  const eventId = headers[WebhookHeader.EventId.toLowerCase()];
  const eventType = headers[WebhookHeader.EventType.toLowerCase()];
  const delivery: AdminInboxDelivery = {
    id: `req_${randomBytes(8).toString('hex')}`,
    receivedAt: now(),
    ...(eventId ? { eventId } : {}),
    ...(eventType ? { eventType } : {}),
    ...(Number.isInteger(attempt) && attempt > 0 ? { attempt } : {}),
    headers,
    body,
    verified: verifyError === undefined,
    ...(verifyError ? { verifyError } : {}),
    status: found.respondWith,
  };
  await inbox.record(id, delivery);
  return { status: found.respondWith, delivery };
}

function boundedHeaders(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw).slice(0, MAX_HEADERS)) {
    out[name.toLowerCase()] = value.slice(0, MAX_HEADER_VALUE);
  }
  return out;
}
