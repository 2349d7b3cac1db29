import { createHmac } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import {
  encodeNextCursor,
  HistoryCursor,
  type HistoryCursorState,
  historySeqRange,
  resolveHistoryQuery,
} from './history-cursor.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const codec = new HistoryCursor(SECRET);

const state: HistoryCursorState = {
  appId: 'app-1',
  room: 'chat:lobby',
  direction: 'forwards',
  position: 42,
  filters: {
    limit: 10,
    fromSeq: 5,
    toSeq: 900,
    start: 1_700_000_000_000,
    end: 1_800_000_000_000,
    event: 'm"sg',
  },
};

function expectInvalid(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RelayBoxError);
  expect((error as RelayBoxError).code).toBe(ErrorCode.InvalidRequest);
  expect((error as RelayBoxError).message).toMatch(message);
}

/** A token for `payload` MACed like the codec does, so only the body's content is under test. */
function signedToken(payload: unknown, secret = SECRET): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', secret)
    .update('relaybox.history-cursor.v1:')
    .update(body)
    .digest('base64url');
  return `${body}.${mac}`;
}

describe('HistoryCursor', () => {
  it('round-trips every field and yields an opaque base64url token', () => {
    const token = codec.encode(state);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(codec.decode(token, 'app-1', 'chat:lobby')).toEqual(state);
    expect(new HistoryCursor(Buffer.from(SECRET)).decode(token, 'app-1', 'chat:lobby')).toEqual(state);
  });

  it('round-trips a cursor without optional filters', () => {
    const bare: HistoryCursorState = { ...state, direction: 'backwards', position: 0, filters: { limit: 1 } };
    expect(codec.decode(codec.encode(bare), 'app-1', 'chat:lobby')).toEqual(bare);
  });

  it('refuses a tampered payload, even one re-encoded as valid JSON', () => {
    const token = codec.encode(state);
    const [body, mac] = token.split('.') as [string, string];
    const moved = Buffer.from(
      Buffer.from(body, 'base64url').toString('utf8').replace('"position":42', '"position":1'),
    ).toString('base64url');
    expect(moved).not.toBe(body);
    expectInvalid(() => codec.decode(`${moved}.${mac}`, 'app-1', 'chat:lobby'), /does not verify/);
    const flipped = body.slice(0, 3) + (body[3] === 'A' ? 'B' : 'A') + body.slice(4);
    expectInvalid(() => codec.decode(`${flipped}.${mac}`, 'app-1', 'chat:lobby'), /does not verify/);
    const badMac = `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    expectInvalid(() => codec.decode(badMac, 'app-1', 'chat:lobby'), /does not verify/);
  });

  it('refuses a cursor of another room', () => {
    const token = codec.encode(state);
    expectInvalid(() => codec.decode(token, 'app-1', 'chat:other'), /another app or room/);
    expectInvalid(() => codec.decode(token, 'app-1', 'chat'), /another app or room/);
  });

  it('refuses a cursor of another app', () => {
    const token = codec.encode(state);
    expectInvalid(() => codec.decode(token, 'app-2', 'chat:lobby'), /another app or room/);
  });

  it('refuses a cursor issued with another secret', () => {
    const other = new HistoryCursor('another-secret-of-at-least-32-bytes!');
    expectInvalid(() => other.decode(codec.encode(state), 'app-1', 'chat:lobby'), /does not verify/);
    expectInvalid(
      () => codec.decode(signedToken({ ...state, v: 1 }, 'x'.repeat(32)), 'app-1', 'chat:lobby'),
      /verify/,
    );
  });

  it('refuses garbage of every shape', () => {
    const garbage: unknown[] = [
      '',
      'abc',
      '.',
      'abc.',
      '.abc',
      'a.b.c',
      `${'a'.repeat(10)}.${'b'.repeat(42)}`,
      `${'a'.repeat(5000)}.${'b'.repeat(43)}`,
      'eyJ2IjoxfQ.+/=+/=+/=+/=+/=+/=+/=+/=+/=+/=+/=+/=+/=+/=+',
      ' eyJ2IjoxfQ.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      42,
      null,
      undefined,
      { token: 'x' },
    ];
    for (const token of garbage) expectInvalid(() => codec.decode(token, 'app-1', 'chat:lobby'), /malformed/);
  });

  it('refuses a correctly signed body of a shape it never issues', () => {
    const bodies: unknown[] = [
      'not an object',
      null,
      { ...state, v: 2 },
      { ...state, v: 1, position: -1 },
      { ...state, v: 1, position: 1.5 },
      { ...state, v: 1, direction: 'sideways' },
      { ...state, v: 1, filters: { limit: 0 } },
      { ...state, v: 1, filters: { limit: 10, event: '' } },
      { ...state, v: 1, filters: { limit: 10, fromSeq: '1' } },
      { ...state, v: 1, appId: 7 },
    ];
    for (const body of bodies) {
      expectInvalid(() => codec.decode(signedToken(body), 'app-1', 'chat:lobby'), /malformed/);
    }
    const wrongJson = `${Buffer.from('{').toString('base64url')}.${createHmac('sha256', SECRET)
      .update('relaybox.history-cursor.v1:')
      .update(Buffer.from('{').toString('base64url'))
      .digest('base64url')}`;
    expectInvalid(() => codec.decode(wrongJson, 'app-1', 'chat:lobby'), /malformed/);
  });

  it('requires a secret of at least 32 bytes', () => {
    expect(() => new HistoryCursor('short')).toThrow(RangeError);
    expect(() => new HistoryCursor(new Uint8Array(31))).toThrow(RangeError);
    expect(() => HistoryCursor.random()).not.toThrow();
  });
});

describe('resolveHistoryQuery', () => {
  const resolve = (q: Parameters<typeof resolveHistoryQuery>[0]) =>
    resolveHistoryQuery(q, 'app-1', 'chat:lobby', codec);

  it('defaults to the newest 100, backwards', () => {
    expect(resolve({})).toEqual({ direction: 'backwards', limit: 100 });
    expect(historySeqRange(resolve({}))).toEqual({ lo: 1, hi: Number.MAX_SAFE_INTEGER });
  });

  it('refuses each field out of its bounds with invalid_request', () => {
    expectInvalid(() => resolve({ limit: 0 }), /"limit" must be an integer from 1 to 1000/);
    expectInvalid(() => resolve({ limit: 1001 }), /"limit"/);
    expectInvalid(() => resolve({ limit: 2.5 }), /"limit"/);
    expectInvalid(() => resolve({ direction: 'up' as 'forwards' }), /"direction"/);
    expectInvalid(() => resolve({ fromSeq: -1 }), /"fromSeq"/);
    expectInvalid(() => resolve({ toSeq: Number.NaN }), /"toSeq"/);
    expectInvalid(() => resolve({ start: '0' as unknown as number }), /"start"/);
    expectInvalid(() => resolve({ end: Number.POSITIVE_INFINITY }), /"end"/);
    expectInvalid(() => resolve({ event: '' }), /"event"/);
    expectInvalid(() => resolve(null as unknown as object), /object/);
    expect(resolve({ limit: 1 }).limit).toBe(1);
    expect(resolve({ limit: 1000 }).limit).toBe(1000);
  });

  it('continues a cursor, lets only the limit change, and refuses contradictions', () => {
    const first = resolve({ direction: 'forwards', limit: 10, fromSeq: 5, event: 'x' });
    const token = encodeNextCursor(codec, 'app-1', 'chat:lobby', first, 14);
    const next = resolve({ cursor: token });
    expect(next).toEqual({ direction: 'forwards', limit: 10, fromSeq: 5, event: 'x', after: 14 });
    expect(historySeqRange(next)).toEqual({ lo: 15, hi: Number.MAX_SAFE_INTEGER });
    expect(resolve({ cursor: token, limit: 3, direction: 'forwards', event: 'x', fromSeq: 5 }).limit).toBe(3);
    expectInvalid(() => resolve({ cursor: token, direction: 'backwards' }), /"direction" differs/);
    expectInvalid(() => resolve({ cursor: token, event: 'y' }), /"event" differs/);
    expectInvalid(() => resolve({ cursor: token, toSeq: 9 }), /"toSeq" differs/);
    expectInvalid(() => resolve({ cursor: token, limit: 1001 }), /"limit"/);
    expectInvalid(
      () => resolveHistoryQuery({ cursor: token }, 'app-1', 'chat', codec),
      /another app or room/,
    );
  });

  it('narrows the seq range from the cursor position in the cursor direction', () => {
    const back = resolve({ toSeq: 50 });
    const token = encodeNextCursor(codec, 'app-1', 'chat:lobby', back, 20);
    expect(historySeqRange(resolve({ cursor: token }))).toEqual({ lo: 1, hi: 19 });
  });
});
