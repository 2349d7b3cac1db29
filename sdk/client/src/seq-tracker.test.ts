import { describe, expect, it } from 'vitest';
import { SEEN_WINDOW, SeqTracker } from './seq-tracker.js';

/** The seqs of `arrivals` that the tracker lets through, in arrival order. */
function delivered(tracker: SeqTracker, arrivals: number[]): number[] {
  return arrivals.filter((seq) => tracker.accept(seq));
}

describe('SeqTracker', () => {
  it('lets every seq through once, in arrival order, and knows no floor before a baseline', () => {
    const tracker = new SeqTracker();
    expect(delivered(tracker, [5, 6, 6, 7, 5])).toEqual([5, 6, 7]);
    expect(tracker.lastSeq).toBeUndefined();
  });

  it('takes latestSeq as the floor when nothing was delivered yet, and only the first baseline', () => {
    const tracker = new SeqTracker();
    tracker.baseline(10);
    expect(tracker.lastSeq).toBe(10);
    expect(delivered(tracker, [10, 11, 12])).toEqual([11, 12]);
    tracker.baseline(40);
    expect(tracker.lastSeq).toBe(12);
  });

  it('keeps seqs still on their way open when messages arrived before the baseline', () => {
    const tracker = new SeqTracker();
    // 14 arrived before the ack; 13 (> latestSeq) is still on its way and must not be lost.
    expect(delivered(tracker, [14])).toEqual([14]);
    tracker.baseline(12);
    expect(tracker.lastSeq).toBe(12);
    expect(delivered(tracker, [13, 14, 15])).toEqual([13, 15]);
    expect(tracker.lastSeq).toBe(15);

    const early = new SeqTracker();
    expect(delivered(early, [11])).toEqual([11]);
    early.baseline(12); // 12 may be in flight live: the floor stays below it
    expect(early.lastSeq).toBe(11);
    expect(delivered(early, [12, 11])).toEqual([12]);
  });

  it('neither drops nor duplicates interleaved out-of-order arrivals, and advances over contiguous runs', () => {
    const tracker = new SeqTracker();
    tracker.baseline(3);
    expect(delivered(tracker, [7, 4, 5, 8, 6, 7, 4, 9])).toEqual([7, 4, 5, 8, 6, 9]);
    expect(tracker.lastSeq).toBe(9);
  });

  it('settles the floor below the lowest delivered seq when the socket drops before the baseline', () => {
    const tracker = new SeqTracker();
    delivered(tracker, [21, 23, 22]);
    tracker.settle();
    expect(tracker.lastSeq).toBe(23);
    const empty = new SeqTracker();
    empty.settle();
    expect(empty.lastSeq).toBeUndefined();
  });

  it('skips a discontinuity: seqs below oldestSeq are given up', () => {
    const tracker = new SeqTracker();
    tracker.baseline(4);
    expect(delivered(tracker, [12])).toEqual([12]);
    tracker.skipTo(11);
    expect(tracker.lastSeq).toBe(10);
    expect(delivered(tracker, [11, 12, 13])).toEqual([11, 13]);
    expect(tracker.lastSeq).toBe(13);
    tracker.skipTo(5); // never moves back
    expect(tracker.lastSeq).toBe(13);
  });

  it('gives up a gap that stays open for SEEN_WINDOW deliveries', () => {
    const tracker = new SeqTracker();
    tracker.baseline(0);
    const arrivals = Array.from({ length: SEEN_WINDOW + 1 }, (_, i) => i + 2); // 1 never comes
    expect(delivered(tracker, arrivals)).toEqual(arrivals);
    expect(tracker.lastSeq).toBe(SEEN_WINDOW + 2);
    expect(tracker.accept(1)).toBe(false);
  });

  it('reset forgets everything', () => {
    const tracker = new SeqTracker();
    tracker.baseline(5);
    delivered(tracker, [6]);
    tracker.reset();
    expect(tracker.lastSeq).toBeUndefined();
    expect(delivered(tracker, [6])).toEqual([6]);
  });
});
