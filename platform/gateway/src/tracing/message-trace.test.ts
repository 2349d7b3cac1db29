import { messageFrameParts, messageFramePayload } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { messageRefOf } from './message-trace.js';

describe('messageRefOf', () => {
  it('reads id and seq of a message frame as history builds it, and nothing of other frames', () => {
    const parts = messageFrameParts({
      appId: 'a',
      room: 'chat',
      id: 'n1-abc_12',
      event: 'e',
      data: { seq: 99, id: 'not-this' },
      clientId: 'c',
      timestamp: 1,
      retention: { maxMessages: 10, maxAgeMs: 1000 },
      idempotencyWindowMs: 1000,
    });
    expect(messageRefOf(messageFramePayload(parts, 4711, 123))).toEqual({
      messageId: 'n1-abc_12',
      seq: 4711,
    });
    expect(messageRefOf('{"type":"presence","room":"x"}')).toBeUndefined();
    expect(messageRefOf('{"type":"message","id":"x","seq":oops,')).toBeUndefined();
  });
});
