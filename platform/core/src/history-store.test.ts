import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HISTORY_RETENTION,
  type HistoryAppendInput,
  messageFrameParts,
  messageFramePayload,
  messageItemsJson,
  parseMessageFrame,
  validateHistoryAppend,
} from './history-store.js';

const input = (over: Partial<HistoryAppendInput> = {}): HistoryAppendInput => ({
  appId: 'app-1',
  room: 'chat:lobby',
  id: 'node-1',
  event: 'msg',
  data: { text: 'héllo "quoted" \u2028', n: [1, 2.5, -0, 1e21], nested: { ok: true, none: null } },
  clientId: 'alice',
  timestamp: 1_700_000_000_123,
  retention: DEFAULT_HISTORY_RETENTION,
  idempotencyWindowMs: 1000,
  ...over,
});

describe('message frame encoding', () => {
  it('is byte for byte JSON.stringify of the frame in the protocol key order', () => {
    const i = input();
    const payload = messageFramePayload(messageFrameParts(i), 7, 1_700_000_000_456);
    const expected = JSON.stringify({
      type: 'message',
      id: i.id,
      seq: 7,
      room: i.room,
      event: i.event,
      data: i.data,
      clientId: i.clientId,
      timestamp: 1_700_000_000_456,
    });
    expect(payload).toBe(expected);
    expect(parseMessageFrame(payload)).toEqual({
      id: i.id,
      seq: 7,
      room: i.room,
      event: i.event,
      data: JSON.parse(JSON.stringify(i.data)),
      clientId: i.clientId,
      timestamp: 1_700_000_000_456,
    });
  });

  it('stores undefined data as null and refuses data JSON cannot encode', () => {
    const payload = messageFramePayload(messageFrameParts(input({ data: undefined })), 1, 5);
    expect(JSON.parse(payload).data).toBeNull();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => messageFrameParts(input({ data: cyclic }))).toThrow(RelayBoxError);
    expect(() => messageFrameParts(input({ data: 1n }))).toThrow(/"data" is not serializable/);
  });
});

describe('messageItemsJson', () => {
  it('is byte for byte JSON.stringify of the parsed messages, without parsing them', () => {
    const tricky = [
      input(),
      input({ id: 'node-2', data: undefined }),
      input({ id: 'n"3\\', room: 'r:é"\u2028', event: 'e\n', clientId: '\u{1F600}', data: '\ud800' }),
      input({ id: 'node-4', data: { __proto__: 1, 2: 'two', a: [[], {}, -0, 1e-7, 2 ** 70] } }),
      input({ id: 'node-5', data: JSON.parse('{"__proto__":{"x":1},"type":"message"}') }),
    ];
    const frames = tricky.map((i, n) =>
      messageFramePayload(messageFrameParts(i), n + 1, 1_700_000_000_000 + n),
    );
    expect(messageItemsJson(frames)).toBe(JSON.stringify(frames.map(parseMessageFrame)));
    expect(messageItemsJson([])).toBe('[]');
    expect(messageItemsJson(frames.slice(0, 1))).toBe(
      JSON.stringify([parseMessageFrame(frames[0] as string)]),
    );
  });

  it('serializes a frame of another shape through parse and stringify (never verbatim)', () => {
    const odd =
      '{"id":"x","seq":1,"type":"message","room":"r","event":"e","data":null,"clientId":"c","timestamp":2,"extra":1}';
    expect(messageItemsJson([odd])).toBe(
      '[{"id":"x","seq":1,"room":"r","event":"e","data":null,"clientId":"c","timestamp":2}]',
    );
    expect(() => messageItemsJson(['not json'])).toThrow(SyntaxError);
  });
});

describe('validateHistoryAppend', () => {
  const code = (fn: () => void): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (e) {
      return (e as RelayBoxError).code;
    }
  };

  it('accepts a complete append and refuses each field out of bounds with invalid_request', () => {
    expect(code(() => validateHistoryAppend(input()))).toBeUndefined();
    expect(code(() => validateHistoryAppend(input({ idempotencyKey: 'k' })))).toBeUndefined();
    const bad: Partial<HistoryAppendInput>[] = [
      { appId: '' },
      { room: 42 as unknown as string },
      { id: '' },
      { event: '' },
      { clientId: '' },
      { timestamp: -1 },
      { timestamp: 1.5 },
      { retention: { maxMessages: 0, maxAgeMs: 1 } },
      { retention: { maxMessages: 1, maxAgeMs: 0 } },
      { idempotencyKey: '' },
      { idempotencyKey: 'k'.repeat(1025) },
      { idempotencyKey: 'k', idempotencyWindowMs: 0 },
    ];
    for (const over of bad)
      expect(code(() => validateHistoryAppend(input(over)))).toBe(ErrorCode.InvalidRequest);
  });
});
