import { describe, expect, it } from 'vitest';
import { mergeTallies, SeqAccount, tally } from './seq-account.js';

describe('SeqAccount', () => {
  it('counts gaps as lost, repeats as duplicated, and the first new delivery published after the drop', () => {
    const a = new SeqAccount();
    a.record(5, 100, false);
    a.record(6, 110, false);
    a.record(6, 120, true); // repeat: not a catch-up
    a.record(9, 130, true); // 7 and 8 missing; first new message published after the drop
    a.record(10, 140, true);
    expect(a.first).toBe(5);
    expect(a.duplicated).toBe(1);
    expect(a.caughtUpAt).toBe(130);
    expect(a.lost(10)).toBe(2);
    expect(a.lost(12)).toBe(4);
  });

  it('a client that saw nothing loses nothing attributable', () => {
    expect(new SeqAccount().lost(100)).toBe(0);
  });
});

describe('tally / mergeTallies', () => {
  it('sums clients and keeps the latest catch-up time', () => {
    const a = new SeqAccount();
    a.record(1, 0, false);
    a.record(3, 50, true);
    const b = new SeqAccount();
    b.record(1, 0, false);
    const silent = new SeqAccount();
    const t = tally([a, b, silent], 3);
    expect(t).toEqual({
      clients: 3,
      silent: 1,
      lost: 1 + 2,
      duplicated: 0,
      complete: 1,
      caughtUp: 1,
      lastCaughtUpAt: 50,
    });
    const c = new SeqAccount();
    c.record(3, 70, true);
    const merged = mergeTallies([t, tally([c], 3)]);
    expect(merged.clients).toBe(4);
    expect(merged.caughtUp).toBe(2);
    expect(merged.lastCaughtUpAt).toBe(70);
    expect(merged.complete).toBe(2);
  });
});
