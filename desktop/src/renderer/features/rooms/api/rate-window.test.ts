import { describe, expect, it } from 'vitest';
import { addSample, inWindow, RateHistory, type RateSample } from './rate-window.js';

const T0 = 1_700_000_000_000;

function fill(seconds: number, windowMs?: number): RateSample[] {
  let samples: RateSample[] = [];
  for (let s = 0; s < seconds; s++) samples = addSample(samples, { ts: T0 + s * 1000, rate: s }, windowMs);
  return samples;
}

describe('rate window', () => {
  it('keeps one sample per second for the last minute, no more', () => {
    const samples = fill(150);
    expect(samples.length).toBe(61);
    expect(samples[0]?.ts).toBe(T0 + 89_000);
    expect(samples.at(-1)?.rate).toBe(149);
  });

  it('replaces a reading within the same second and ignores a late one', () => {
    let samples = fill(3);
    samples = addSample(samples, { ts: T0 + 2500, rate: 42 });
    expect(samples.map((s) => s.rate)).toEqual([0, 1, 42]);
    samples = addSample(samples, { ts: T0 + 1000, rate: 7 });
    expect(samples.map((s) => s.rate)).toEqual([0, 1, 42]);
  });

  it('selects the window ending now', () => {
    const samples = fill(30);
    expect(inWindow(samples, T0 + 29_000, 10_000).map((s) => s.rate)).toEqual([
      19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    ]);
  });

  it('remembers a bounded number of rooms, forgetting the least recently read', () => {
    const history = new RateHistory(2);
    history.record('app', 'a', 1, T0);
    history.record('app', 'b', 2, T0);
    history.record('app', 'a', 3, T0 + 1000);
    history.record('app', 'c', 4, T0 + 1000);
    expect(history.size).toBe(2);
    expect(history.samples('app', 'b')).toEqual([]);
    expect(history.samples('app', 'a').map((s) => s.rate)).toEqual([1, 3]);
  });
});
