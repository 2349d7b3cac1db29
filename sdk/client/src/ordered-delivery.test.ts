import type { RoomMessage } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GAP_WAIT_MS, OrderedDelivery } from './ordered-delivery.js';

const msg = (seq: number): RoomMessage => ({
  id: `m${seq}`,
  seq,
  room: 'r',
  event: 'e',
  data: seq,
  clientId: 'c',
  timestamp: 0,
});

describe('OrderedDelivery', () => {
  let seen: number[];
  let delivery: OrderedDelivery;
  beforeEach(() => {
    vi.useFakeTimers();
    seen = [];
    delivery = new OrderedDelivery((m) => seen.push(m.seq));
  });
  afterEach(() => vi.useRealTimers());

  it('passes messages straight through before a baseline is known', () => {
    for (const seq of [5, 3, 4]) delivery.push(msg(seq));
    expect(seen).toEqual([5, 3, 4]);
  });

  it('holds a message that overtook an earlier seq until the gap fills', () => {
    delivery.baseline(10);
    delivery.push(msg(12)); // 11 comes from a publisher on another gateway, a little later
    delivery.push(msg(13));
    expect(seen).toEqual([]);
    delivery.push(msg(11));
    expect(seen).toEqual([11, 12, 13]);
    delivery.push(msg(14));
    expect(seen).toEqual([11, 12, 13, 14]);
  });

  it('gives a gap up after the wait and goes on in order; repeats are dropped', () => {
    delivery.baseline(0);
    delivery.push(msg(1));
    delivery.push(msg(3));
    delivery.push(msg(4));
    vi.advanceTimersByTime(GAP_WAIT_MS - 1);
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([1, 3, 4]);
    delivery.push(msg(2)); // too late: the app already moved past it
    delivery.push(msg(4));
    delivery.push(msg(5));
    expect(seen).toEqual([1, 3, 4, 5]);
  });

  it('asks for a replay of a gap that outlived the wait, and delivers it in order (a message stored but never fanned out)', () => {
    const recoveries: Array<number | undefined> = [];
    const recovering = new OrderedDelivery(
      (m) => seen.push(m.seq),
      GAP_WAIT_MS,
      () => {
        recoveries.push(recovering.seqs.lastSeq);
        recovering.beginCatchUp(); // what the room's re-subscribe with fromSeq does
        return true;
      },
    );
    recovering.baseline(0);
    recovering.push(msg(1));
    recovering.push(msg(3)); // seq 2 was stored, its broker publish failed: it never comes live
    vi.advanceTimersByTime(GAP_WAIT_MS);
    expect(recoveries).toEqual([1]);
    expect(seen).toEqual([1]);
    recovering.push(msg(4)); // live, during the replay
    recovering.push(msg(2)); // the replay from fromSeq 2
    recovering.push(msg(3));
    recovering.endCatchUp();
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('gives a gap up when the replay did not fill it either, or when no replay can be asked for, and says so', () => {
    let asked = 0;
    const gaveUp: Array<[number, number]> = [];
    const recovering = new OrderedDelivery(
      (m) => seen.push(m.seq),
      GAP_WAIT_MS,
      () => {
        asked++;
        return asked === 1;
      },
      (fromSeq, nextSeq) => gaveUp.push([fromSeq, nextSeq]),
    );
    recovering.baseline(0);
    recovering.push(msg(1));
    recovering.push(msg(3));
    vi.advanceTimersByTime(GAP_WAIT_MS); // first time: a replay is asked for (it brings nothing)
    expect(seen).toEqual([1]);
    recovering.push(msg(4));
    vi.advanceTimersByTime(GAP_WAIT_MS); // same place again: given up
    expect(seen).toEqual([1, 3, 4]);
    recovering.push(msg(6));
    vi.advanceTimersByTime(GAP_WAIT_MS); // a new gap, but no socket to ask on: given up at once
    expect(asked).toBe(2);
    expect(seen).toEqual([1, 3, 4, 6]);
    expect(gaveUp).toEqual([
      [2, 3],
      [5, 6],
    ]);
  });

  it('holds everything during a catch-up and delivers it sorted at the end', () => {
    delivery.baseline(3);
    delivery.beginCatchUp();
    for (const seq of [9, 4, 5, 8, 6, 7, 5]) delivery.push(msg(seq));
    expect(seen).toEqual([]);
    delivery.endCatchUp();
    expect(seen).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('drops what it held when the socket goes (the replay brings it back) and resumes from the floor', () => {
    delivery.baseline(0);
    delivery.push(msg(1));
    delivery.push(msg(3));
    delivery.reset();
    vi.advanceTimersByTime(GAP_WAIT_MS * 2);
    expect(seen).toEqual([1]);
    expect(delivery.seqs.lastSeq).toBe(1); // the re-subscribe asks from 2
    delivery.beginCatchUp();
    for (const seq of [2, 3]) delivery.push(msg(seq));
    delivery.endCatchUp();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a discontinuity stops the wait for seqs that will never come', () => {
    delivery.baseline(0);
    delivery.push(msg(7));
    delivery.skipTo(7);
    expect(seen).toEqual([7]);
  });
});
