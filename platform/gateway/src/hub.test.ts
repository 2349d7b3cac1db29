import { messageFrameParts, messageFramePayload } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { seqOfFrame } from './hub.js';

const frame = (seq: number, data: unknown) =>
  messageFramePayload(
    messageFrameParts({
      appId: 'app',
      room: 'r',
      id: 'node-1-abc',
      event: 'e',
      data,
      clientId: 'c',
      timestamp: 1,
      retention: { maxMessages: 10, maxAgeMs: 1000 },
      idempotencyWindowMs: 1000,
    }),
    seq,
    1,
  );

describe('seqOfFrame', () => {
  it('reads the seq of a stored frame, whatever the data says', () => {
    expect(seqOfFrame(frame(1, 'x'))).toBe(1);
    expect(seqOfFrame(frame(9_007_199_254_740_991, null))).toBe(9_007_199_254_740_991);
    expect(seqOfFrame(frame(42, { seq: 7, text: ',"seq":7' }))).toBe(42);
  });

  it('is undefined for frames without a seq (discontinuity, presence)', () => {
    expect(seqOfFrame(JSON.stringify({ type: 'discontinuity', room: 'r', fromSeq: 1, oldestSeq: 5 }))).toBe(
      undefined,
    );
    expect(seqOfFrame('{"type":"presence","action":"enter"}')).toBe(undefined);
  });
});
