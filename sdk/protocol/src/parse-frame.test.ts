import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, roomNameProblem } from './limits.js';
import { FrameError, parseClientFrame, parseServerFrame } from './parse-frame.js';

const parse = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return parseClientFrame(text, Buffer.byteLength(text));
};

function failure(value: unknown): { code: string; message: string; ref: number | undefined } {
  try {
    parse(value);
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    return { code: error.code, message: error.message, ref: error.ref };
  }
  throw new Error('expected the frame to be refused');
}

describe('parseClientFrame: valid frames', () => {
  it.each(['join', 'leave', 'subscribe', 'unsubscribe'] as const)('%s', (type) => {
    expect(parse({ type, ref: 1, room: 'chat:lobby', extra: 'ignored' })).toEqual({
      type,
      ref: 1,
      room: 'chat:lobby',
    });
  });

  it('publish, with and without an idempotency key; data may be null or any JSON', () => {
    expect(parse({ type: 'publish', ref: 2, room: 'r', event: 'e', data: { a: [1] } })).toEqual({
      type: 'publish',
      ref: 2,
      room: 'r',
      event: 'e',
      data: { a: [1] },
    });
    expect(
      parse({ type: 'publish', ref: 3, room: 'r', event: 'e', data: null, idempotencyKey: 'k-1' }),
    ).toMatchObject({
      data: null,
      idempotencyKey: 'k-1',
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parse({ type: 'publish', ref: 4, room: 'r', event: 'e', data: 1, traceparent })).toMatchObject({
      traceparent,
    });
  });

  it('subscribe with fromSeq, and history with a query', () => {
    expect(parse({ type: 'subscribe', ref: 1, room: 'r', fromSeq: 5 })).toEqual({
      type: 'subscribe',
      ref: 1,
      room: 'r',
      fromSeq: 5,
    });
    const query = {
      direction: 'forwards',
      limit: 1000,
      fromSeq: 1,
      toSeq: 9,
      start: 0,
      end: 5,
      event: 'e',
      cursor: 'c',
    };
    expect(parse({ type: 'history', ref: 2, room: 'r', query })).toEqual({
      type: 'history',
      ref: 2,
      room: 'r',
      query,
    });
    expect(parse({ type: 'history', ref: 3, room: 'r' })).toEqual({
      type: 'history',
      ref: 3,
      room: 'r',
      query: {},
    });
  });

  it('presence frames', () => {
    expect(parse({ type: 'presence', ref: 1, room: 'r', action: 'enter', data: { s: 1 } })).toEqual({
      type: 'presence',
      ref: 1,
      room: 'r',
      action: 'enter',
      data: { s: 1 },
    });
    expect(parse({ type: 'presence', ref: 2, room: 'r', action: 'leave' })).toEqual({
      type: 'presence',
      ref: 2,
      room: 'r',
      action: 'leave',
    });
    for (const type of ['presence.get', 'presence.subscribe', 'presence.unsubscribe']) {
      expect(parse({ type, ref: 3, room: 'r' })).toEqual({ type, ref: 3, room: 'r' });
    }
  });

  it('refresh and ping', () => {
    expect(parse({ type: 'refresh', ref: 0, token: 'a.b.c' })).toEqual({
      type: 'refresh',
      ref: 0,
      token: 'a.b.c',
    });
    expect(parse({ type: 'ping', ref: 9 })).toEqual({ type: 'ping', ref: 9 });
  });
});

describe('parseClientFrame: refused frames', () => {
  it.each([
    ['not JSON', '{nope', 'invalid_frame', /not valid JSON/],
    ['a JSON array', [1], 'invalid_frame', /JSON object/],
    ['a JSON string', '"join"', 'invalid_frame', /JSON object/],
    ['null', 'null', 'invalid_frame', /JSON object/],
    ['no ref', { type: 'ping' }, 'invalid_frame', /"ref"/],
    ['string ref', { type: 'ping', ref: '1' }, 'invalid_frame', /"ref"/],
    ['negative ref', { type: 'ping', ref: -1 }, 'invalid_frame', /"ref"/],
    ['fractional ref', { type: 'ping', ref: 1.5 }, 'invalid_frame', /"ref"/],
    ['unknown type', { type: 'dance', ref: 1 }, 'unknown_frame_type', /"dance"/],
    ['missing type', { ref: 1 }, 'unknown_frame_type', /undefined/],
    ['numeric room', { type: 'join', ref: 1, room: 5 }, 'invalid_room_name', /non-empty string/],
    ['empty room', { type: 'join', ref: 1, room: '' }, 'invalid_room_name', /non-empty string/],
    ['wildcard room', { type: 'join', ref: 1, room: 'chat:*' }, 'invalid_room_name', /may only contain/],
    ['room with space', { type: 'subscribe', ref: 1, room: 'a b' }, 'invalid_room_name', /may only contain/],
    ['empty segment', { type: 'leave', ref: 1, room: 'a::b' }, 'invalid_room_name', /may only contain/],
    ['long room', { type: 'join', ref: 1, room: 'a'.repeat(201) }, 'invalid_room_name', /longer than 200/],
    ['publish without event', { type: 'publish', ref: 1, room: 'r', data: 1 }, 'invalid_frame', /"event"/],
    [
      'publish numeric event',
      { type: 'publish', ref: 1, room: 'r', event: 1, data: 1 },
      'invalid_frame',
      /"event"/,
    ],
    [
      'publish long event',
      { type: 'publish', ref: 1, room: 'r', event: 'e'.repeat(101), data: 1 },
      'invalid_frame',
      /longer/,
    ],
    ['publish without data', { type: 'publish', ref: 1, room: 'r', event: 'e' }, 'invalid_frame', /"data"/],
    [
      'numeric idempotencyKey',
      { type: 'publish', ref: 1, room: 'r', event: 'e', data: 1, idempotencyKey: 5 },
      'invalid_frame',
      /idempotencyKey/,
    ],
    [
      'numeric traceparent',
      { type: 'publish', ref: 1, room: 'r', event: 'e', data: 1, traceparent: 1 },
      'invalid_frame',
      /"traceparent"/,
    ],
    [
      'traceparent past TRACEPARENT_MAX_LENGTH',
      { type: 'publish', ref: 1, room: 'r', event: 'e', data: 1, traceparent: 't'.repeat(513) },
      'invalid_frame',
      /"traceparent" is longer than 512/,
    ],
    ['refresh without token', { type: 'refresh', ref: 1 }, 'invalid_frame', /"token"/],
    ['fromSeq 0', { type: 'subscribe', ref: 1, room: 'r', fromSeq: 0 }, 'invalid_frame', /"fromSeq"/],
    ['string fromSeq', { type: 'subscribe', ref: 1, room: 'r', fromSeq: '3' }, 'invalid_frame', /"fromSeq"/],
    [
      'history query not an object',
      { type: 'history', ref: 1, room: 'r', query: 5 },
      'invalid_frame',
      /"query"/,
    ],
    [
      'history limit 0',
      { type: 'history', ref: 1, room: 'r', query: { limit: 0 } },
      'invalid_frame',
      /query\.limit/,
    ],
    [
      'history limit 1001',
      { type: 'history', ref: 1, room: 'r', query: { limit: 1001 } },
      'invalid_frame',
      /query\.limit/,
    ],
    [
      'history direction',
      { type: 'history', ref: 1, room: 'r', query: { direction: 'up' } },
      'invalid_frame',
      /direction/,
    ],
    ['history toSeq', { type: 'history', ref: 1, room: 'r', query: { toSeq: -1 } }, 'invalid_frame', /toSeq/],
    [
      'history start',
      { type: 'history', ref: 1, room: 'r', query: { start: 'today' } },
      'invalid_frame',
      /start/,
    ],
    ['history event', { type: 'history', ref: 1, room: 'r', query: { event: '' } }, 'invalid_frame', /event/],
    [
      'history cursor',
      { type: 'history', ref: 1, room: 'r', query: { cursor: 7 } },
      'invalid_frame',
      /cursor/,
    ],
    ['presence without action', { type: 'presence', ref: 1, room: 'r' }, 'invalid_frame', /"action"/],
    [
      'presence bad action',
      { type: 'presence', ref: 1, room: 'r', action: 'join' },
      'invalid_frame',
      /"action"/,
    ],
    [
      'presence.get bad room',
      { type: 'presence.get', ref: 1, room: 'a b' },
      'invalid_room_name',
      /may only contain/,
    ],
    ['history without room', { type: 'history', ref: 1, query: {} }, 'invalid_room_name', /room/],
  ])('%s', (_name, value, code, message) => {
    const error = failure(value);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('keeps the ref of a frame that had a valid one, so the error answers that request', () => {
    expect(failure({ type: 'join', ref: 7, room: '' }).ref).toBe(7);
    expect(failure('{nope').ref).toBeUndefined();
  });

  it('refuses frames over the byte bound before parsing them', () => {
    const text = JSON.stringify({
      type: 'publish',
      ref: 1,
      room: 'r',
      event: 'e',
      data: 'x'.repeat(DEFAULT_LIMITS.maxFrameBytes),
    });
    expect(() => parseClientFrame(text, Buffer.byteLength(text))).toThrow(/exceeds 65536/);
    try {
      parseClientFrame(text, Buffer.byteLength(text));
    } catch (error) {
      expect((error as FrameError).code).toBe('frame_too_large');
      expect((error as FrameError).status).toBe(413);
    }
  });
});

describe('roomNameProblem', () => {
  it.each(['a', 'chat:lobby', 'user@example.com', 'a-b_c.d~e=f+g', 'A:1:Z'])('%s is a valid room', (room) => {
    expect(roomNameProblem(room)).toBeNull();
  });
  it.each(['', 'a b', 'a/b', 'a|b', 'a:>', '*', 'a::b', ':a', 'a:', 'é'])('%s is not', (room) => {
    expect(roomNameProblem(room)).not.toBeNull();
  });
});

describe('parseServerFrame', () => {
  it('returns known frames and null for unknown types or bad JSON', () => {
    expect(parseServerFrame('{"type":"heartbeat"}')).toEqual({ type: 'heartbeat' });
    expect(parseServerFrame('{"type":"ack","ref":1}')).toEqual({ type: 'ack', ref: 1 });
    expect(parseServerFrame('{"type":"future"}')).toBeNull();
    expect(parseServerFrame('nope')).toBeNull();
    expect(parseServerFrame('null')).toBeNull();
  });
});
