import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RelayBoxError, signWebhook, verifyWebhook } from './index.js';

const secret = 'whsec-0123456789abcdef';
const body = JSON.stringify({
  id: 'evt_1',
  type: 'room.joined',
  createdAt: 1,
  appId: 'a',
  data: { room: 'r' },
});
const t = 1_900_000_000;
const now = t * 1000;
const reference = (s: string, ts: number, b: string) =>
  createHmac('sha256', s).update(`${ts}.${b}`).digest('hex');

/** The error verifyWebhook throws, failing the test when it does not throw. */
function rejection(params: Parameters<typeof verifyWebhook>[0]): RelayBoxError {
  try {
    verifyWebhook(params);
  } catch (error) {
    expect(error).toBeInstanceOf(RelayBoxError);
    return error as RelayBoxError;
  }
  throw new Error('verifyWebhook accepted the delivery');
}

function expectInvalid(params: Parameters<typeof verifyWebhook>[0], message: RegExp): void {
  const error = rejection(params);
  expect(error).toMatchObject({ code: 'webhook_signature_invalid', status: 400, retryable: false });
  expect(error.message).toMatch(message);
  expect(error.message).not.toContain(secret);
}

describe('signWebhook', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>', () => {
    expect(signWebhook({ body, secret, timestamp: t })).toBe(`t=${t},v1=${reference(secret, t, body)}`);
    const fresh = signWebhook({ body, secret });
    expect(Number(/^t=(\d+),/.exec(fresh)?.[1])).toBeCloseTo(Date.now() / 1000, -1);
  });

  it('refuses an empty secret and a parsed body', () => {
    expect(() => signWebhook({ body, secret: '' })).toThrow(/secret/);
    expect(() => signWebhook({ body: { a: 1 } as never, secret })).toThrow(/raw body/);
  });
});

describe('verifyWebhook', () => {
  const signature = signWebhook({ body, secret, timestamp: t });

  it('accepts a valid delivery and returns its timestamp', () => {
    expect(verifyWebhook({ body, headers: { 'x-relaybox-signature': signature }, secret, now })).toEqual({
      timestamp: t,
    });
  });

  it('reads the header in any case, from Node headers (arrays too) or a fetch Headers', () => {
    for (const headers of [
      { 'X-RelayBox-Signature': signature },
      { 'X-RELAYBOX-SIGNATURE': [signature] },
      new Headers({ 'x-relaybox-signature': signature }),
    ]) {
      expect(verifyWebhook({ body, headers, secret, now }).timestamp).toBe(t);
    }
  });

  it('accepts the raw body as a Buffer or Uint8Array', () => {
    const headers = { 'x-relaybox-signature': signature };
    expect(verifyWebhook({ body: Buffer.from(body), headers, secret, now }).timestamp).toBe(t);
    expect(verifyWebhook({ body: new TextEncoder().encode(body), headers, secret, now }).timestamp).toBe(t);
    const bytes = Buffer.from([0xff, 0x00, 0xfe]);
    const binary = signWebhook({ body: bytes, secret, timestamp: t });
    expect(verifyWebhook({ body: bytes, headers: { 'x-relaybox-signature': binary }, secret, now })).toEqual({
      timestamp: t,
    });
  });

  it('rejects a tampered body', () => {
    expectInvalid(
      { body: body.replace('"r"', '"s"'), headers: { 'x-relaybox-signature': signature }, secret, now },
      /does not match/,
    );
  });

  it('rejects the wrong secret', () => {
    expectInvalid(
      { body, headers: { 'x-relaybox-signature': signature }, secret: 'another-secret-0000', now },
      /does not match/,
    );
  });

  it('rejects a signature 301 s old, and accepts one exactly at the tolerance', () => {
    const headers = { 'x-relaybox-signature': signature };
    expectInvalid({ body, headers, secret, now: now + 301_000 }, /301 s in the past, outside the 300 s/);
    expect(verifyWebhook({ body, headers, secret, now: now + 300_999 }).timestamp).toBe(t);
  });

  it('rejects a signature 301 s in the future', () => {
    const headers = { 'x-relaybox-signature': signature };
    expectInvalid({ body, headers, secret, now: now - 301_000 }, /301 s in the future/);
    expect(verifyWebhook({ body, headers, secret, now: now - 300_000 }).timestamp).toBe(t);
  });

  it('honours toleranceSec', () => {
    const headers = { 'x-relaybox-signature': signature };
    expectInvalid({ body, headers, secret, now: now + 11_000, toleranceSec: 10 }, /outside the 10 s/);
  });

  it('rejects a missing header', () => {
    expectInvalid({ body, headers: { 'content-type': 'application/json' }, secret, now }, /missing/);
    expectInvalid({ body, headers: new Headers(), secret, now }, /missing/);
  });

  it.each([
    ['', /key=value/],
    ['garbage', /key=value/],
    [`v1=${reference(secret, t, body)}`, /no t=/],
    [`t=${t}`, /no v1=/],
    [`t=${t},v0=${reference(secret, t, body)}`, /no v1=/],
    [`t=abc,v1=${reference(secret, t, body)}`, /unix seconds/],
    [`t=${t},t=${t},v1=${reference(secret, t, body)}`, /more than one t=/],
    [`t=${t},v1=xyz`, /64 lowercase hex/],
    [`t=${t},v1=${reference(secret, t, body).toUpperCase()}`, /64 lowercase hex/],
  ])('rejects the malformed header %j', (header, message) => {
    expectInvalid({ body, headers: { 'x-relaybox-signature': header }, secret, now }, message);
    expect(rejection({ body, headers: { 'x-relaybox-signature': header }, secret, now }).message).toMatch(
      /^malformed X-RelayBox-Signature header/,
    );
  });

  it('accepts a header with several v1 signatures when any one matches (secret rotation)', () => {
    const old = reference('the-old-secret-000000', t, body);
    const current = reference(secret, t, body);
    for (const header of [`t=${t},v1=${old},v1=${current}`, `t=${t}, v1=${current}, v1=${old}, v2=abc`]) {
      expect(
        verifyWebhook({ body, headers: { 'x-relaybox-signature': header }, secret, now }).timestamp,
      ).toBe(t);
    }
    expectInvalid(
      { body, headers: { 'x-relaybox-signature': `t=${t},v1=${old},v1=${old}` }, secret, now },
      /does not match/,
    );
  });

  it('rejects bad arguments with invalid_options', () => {
    const headers = { 'x-relaybox-signature': signature };
    expect(rejection({ body: JSON.parse(body), headers, secret, now })).toMatchObject({
      code: 'invalid_options',
    });
    expect(rejection({ body, headers, secret: '', now })).toMatchObject({ code: 'invalid_options' });
    expect(rejection({ body, headers: null as never, secret, now })).toMatchObject({
      code: 'invalid_options',
    });
  });
});
