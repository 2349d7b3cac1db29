import { describe, expect, it } from 'vitest';
import { mergeTallies, quantile, SeqAccount, tally } from './seq-account.js';

describe('SeqAccount', () => {
  it('counts gaps as lost and repeats as duplicated', () => {
    const a = new SeqAccount();
    a.record(5, 90, 100);
    a.record(6, 100, 110);
    a.record(6, 100, 120);
    a.record(9, 120, 130); // 7 and 8 missing
    expect(a.duplicated).toBe(1);
    expect(a.lost(9)).toBe(2);
    expect(a.lost(12)).toBe(5);
  });

  it('is caught up when the replay of what was published before its reconnect has arrived', () => {
    const a = new SeqAccount();
    a.record(1, 10, 20);
    a.dropped(100);
    a.reconnected(300, false);
    a.record(2, 150, 320); // published during the outage: replayed
    a.record(3, 280, 340); // published before the reconnect: the replay's tail
    a.record(4, 310, 350); // published after the reconnect: live
    expect(a.resumed).toBe(false);
    expect(a.caughtUpAt(4)).toBe(340);
    expect(a.caughtUpAt(5)).toBeUndefined(); // seq 5 still missing
  });

  it('is caught up at the reconnect when nothing was missed, and never before a reconnect', () => {
    const a = new SeqAccount();
    a.record(1, 10, 20);
    expect(a.caughtUpAt(1)).toBeUndefined();
    a.dropped(100);
    a.dropped(150); // only the first drop counts
    expect(a.droppedAt).toBe(100);
    a.reconnected(200, true);
    expect(a.resumed).toBe(true);
    expect(a.caughtUpAt(1)).toBe(200);
  });

  it('a client that saw nothing lacks everything up to the final seq', () => {
    expect(new SeqAccount().lost(100)).toBe(100);
  });
});

describe('tally / mergeTallies / quantile', () => {
  it('sums per room final seqs, counts resumed vs new sessions, gives catch-up ms from the kill', () => {
    const a = new SeqAccount();
    a.record(1, 0, 0);
    a.dropped(1000);
    a.reconnected(3000, true);
    a.record(2, 2000, 5000);
    const b = new SeqAccount();
    b.record(1, 0, 0);
    b.dropped(1000);
    b.reconnected(4000, false); // lacks seq 2 of room x
    const c = new SeqAccount();
    c.record(7, 0, 0);
    const t = tally(
      [
        { room: 'x', account: a },
        { room: 'x', account: b },
        { room: 'y', account: c },
      ],
      { x: 2, y: 7 },
      1000,
    );
    expect(t).toEqual({
      clients: 3,
      lost: 1,
      duplicated: 0,
      resumed: 1,
      newSession: 1,
      complete: 1, // c never reconnected: not caught up
      catchUpMs: [4],
      reconnectMs: [2, 3],
    });
    const merged = mergeTallies([t, { ...t, catchUpMs: [9] }]);
    expect(merged.clients).toBe(6);
    expect(merged.newSession).toBe(2);
    expect(merged.catchUpMs).toEqual([4, 9]);
  });

  it('quantile is the nearest rank, null when empty', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([], 0.5)).toBeNull();
  });
});
