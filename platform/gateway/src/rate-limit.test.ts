import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter, TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows the burst, then refuses until it refills at the rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(50)).toBe(false); // half a token
    expect(bucket.take(100)).toBe(true); // one token after 100 ms at 10/s
    expect(bucket.take(100)).toBe(false);
  });

  it('takes a cost at once or nothing, and refunds up to the burst', () => {
    const bucket = new TokenBucket(1, 12, 0);
    expect(bucket.takeCost(11, 0)).toBe(true);
    expect(bucket.takeCost(11, 0)).toBe(false);
    expect(bucket.available(0)).toBe(true);
    expect(bucket.takeCost(1, 0)).toBe(true);
    expect(bucket.available(0)).toBe(false);
    for (let i = 0; i < 20; i++) bucket.refund();
    expect(bucket.takeCost(12, 0)).toBe(true);
    expect(bucket.takeCost(1, 0)).toBe(false);
  });

  it('a drain goes below zero and refills at the rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    bucket.drain(8, 0);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.take(350)).toBe(false); // -3 + 3.5 = 0.5
    expect(bucket.take(400)).toBe(true);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket(1000, 2, 0);
    expect(bucket.isFull(0)).toBe(true);
    const taken = [bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)];
    expect(taken).toEqual([true, true, false]);
  });
});

describe('KeyedRateLimiter', () => {
  it('limits keys independently and forgets full buckets on sweep', () => {
    const limiter = new KeyedRateLimiter(0.001, 1);
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    expect(limiter.take('b')).toBe(true);
    limiter.sweep();
    expect(limiter.size).toBe(2); // both still empty
  });
});
