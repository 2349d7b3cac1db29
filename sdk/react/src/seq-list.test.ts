import type { RoomMessage } from '@relaybox/client';
import { describe, expect, it } from 'vitest';
import { mergeBySeq } from './seq-list.js';

const msg = (seq: number, data: unknown = seq): RoomMessage => ({
  id: `m${seq}`,
  seq,
  room: 'r',
  event: 'e',
  data,
  clientId: 'c',
  timestamp: 0,
});
const seqs = (list: RoomMessage[]) => list.map((m) => m.seq);

describe('mergeBySeq', () => {
  it('keeps ascending seq order whatever order items come in, each seq once', () => {
    const merged = mergeBySeq([msg(2), msg(5)], [msg(7), msg(1), msg(5, 'dup'), msg(3), msg(7)]);
    expect(seqs(merged)).toEqual([1, 2, 3, 5, 7]);
    expect(merged.find((m) => m.seq === 5)?.data).toBe(5);
  });

  it('returns the same array when nothing is new, and never mutates its input', () => {
    const list = [msg(1), msg(2)];
    expect(mergeBySeq(list, [msg(2)])).toBe(list);
    const merged = mergeBySeq(list, [msg(0)]);
    expect(seqs(list)).toEqual([1, 2]);
    expect(seqs(merged)).toEqual([0, 1, 2]);
  });
});
