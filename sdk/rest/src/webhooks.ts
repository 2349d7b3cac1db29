import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** Header names of a webhook delivery (HTTP header names are case-insensitive). */
export const WebhookHeader = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; several v1 during a rotation. */
  Signature: 'X-RelayBox-Signature',
  /** The event id: the same on every retry of one event to one endpoint. Dedupe on it. */
  EventId: 'X-RelayBox-Event-Id',
  EventType: 'X-RelayBox-Event-Type',
  /** 1 for the first try, 2 for the first retry, ... */
  DeliveryAttempt: 'X-RelayBox-Delivery-Attempt',
} as const;

/** The JSON body of every delivery. `data` depends on `type` (docs/webhooks.md). */
export interface WebhookPayload<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  /** When the event happened, ms since the epoch. */
  createdAt: number;
  appId: string;
  data: Data;
}

export const DEFAULT_WEBHOOK_TOLERANCE_SEC = 300;

export interface SignWebhookParams {
  /** The exact bytes sent as the body. */
  body: string | Uint8Array;
  secret: string;
  /** Unix seconds. Default: now. */
  timestamp?: number;
}

/** The `X-RelayBox-Signature` value for one delivery: `t=<timestamp>,v1=<hex hmac>`. */
export function signWebhook({ body, secret, timestamp }: SignWebhookParams): string {
  checkSecretAndBody(secret, body, 'signWebhook');
  const t = timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(t) || t < 0) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, 'signWebhook: timestamp must be whole unix seconds');
  }
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/** Headers as Node's `req.headers` (any case, arrays allowed), a plain object, or a fetch `Headers`. */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookParams {
  /** The raw body exactly as received (string or bytes), not a re-serialized parsed object. */
  body: string | Uint8Array;
  headers: WebhookHeaders;
  /** The endpoint's secret. */
  secret: string;
  /** Largest accepted distance between the signed time and now, past or future. Default 300 s. */
  toleranceSec?: number;
  /** The receiver's clock, ms since the epoch. Default `Date.now()`. */
  now?: number;
}

/**
 * Checks a webhook delivery: the signature header is present and well formed, one of its `v1`
 * signatures is HMAC-SHA256(secret, "<t>.<body>") (compared in constant time), and `t` is within
 * `toleranceSec` of now in either direction. Throws `RelayBoxError('webhook_signature_invalid')`
 * (400) saying which check failed; bad arguments throw 'invalid_options'. A valid delivery can
 * still be a replay within the tolerance: dedupe on the payload `id` (= `X-RelayBox-Event-Id`).
 */
export function verifyWebhook(params: VerifyWebhookParams): { timestamp: number } {
  const { body, headers, secret, toleranceSec = DEFAULT_WEBHOOK_TOLERANCE_SEC } = params;
  checkSecretAndBody(secret, body, 'verifyWebhook');
  if (!(Number.isFinite(toleranceSec) && toleranceSec >= 0)) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, 'verifyWebhook: toleranceSec must be ≥ 0');
  }
  const header = readHeader(headers, WebhookHeader.Signature);
  if (header === undefined) throw invalid(`missing ${WebhookHeader.Signature} header`);
  const { timestamp, signatures } = parseSignatureHeader(header);

  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  let matched = false;
  for (const signature of signatures) {
    // Every candidate is compared, so the time taken does not depend on which one matches.
    if (timingSafeEqual(Buffer.from(signature, 'hex'), expected)) matched = true;
  }
  if (!matched) throw invalid(`${WebhookHeader.Signature} does not match the body and secret`);

  const nowSec = Math.floor((params.now ?? Date.now()) / 1000);
  const skew = nowSec - timestamp;
  if (Math.abs(skew) > toleranceSec) {
    const where = skew > 0 ? `${skew} s in the past` : `${-skew} s in the future`;
    throw invalid(
      `${WebhookHeader.Signature} timestamp is ${where}, outside the ${toleranceSec} s tolerance`,
    );
  }
  return { timestamp };
}

const V1 = /^[0-9a-f]{64}$/;

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, Math.max(eq, 0)).trim();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0) throw malformed('expected comma-separated key=value pairs');
    if (key === 't') {
      if (timestamp !== undefined) throw malformed('more than one t=');
      if (!/^\d{1,12}$/.test(value)) throw malformed('t= must be unix seconds');
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!V1.test(value)) throw malformed('v1= must be 64 lowercase hex characters');
      signatures.push(value);
    }
    // Other schemes (a future v2) are skipped, so senders can add one without breaking receivers.
  }
  if (timestamp === undefined) throw malformed('no t=');
  if (signatures.length === 0) throw malformed('no v1=');
  return { timestamp, signatures };
}

function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, 'verifyWebhook: headers must be an object or Headers');
  }
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    return typeof value === 'string' ? value : (value as readonly string[]).join(',');
  }
  return undefined;
}

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function checkSecretAndBody(secret: unknown, body: unknown, fn: string): void {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, `${fn}: secret must be a non-empty string`);
  }
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new RelayBoxError(
      ErrorCode.InvalidOptions,
      `${fn}: body must be the raw body as a string or bytes, not a parsed object`,
    );
  }
}

const invalid = (message: string) => new RelayBoxError(ErrorCode.WebhookSignatureInvalid, message);
const malformed = (why: string) => invalid(`malformed ${WebhookHeader.Signature} header: ${why}`);
