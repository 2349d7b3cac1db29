import { describe, expect, it } from 'vitest';
import { requestCost } from './request-cost.js';

describe('requestCost', () => {
  it('prices reads by their size, publish at 0 (its own bucket) and everything else at 1', () => {
    expect(requestCost({ type: 'ping', ref: 1 })).toBe(1);
    expect(requestCost({ type: 'publish', ref: 1, room: 'r', event: 'e', data: 1 } as never)).toBe(0);
    expect(requestCost({ type: 'history', ref: 1, room: 'r', query: { limit: 1000 } } as never)).toBe(21);
    expect(requestCost({ type: 'history', ref: 1, room: 'r', query: {} } as never)).toBe(3);
    expect(requestCost({ type: 'presence.get', ref: 1, room: 'r' } as never)).toBe(5);
    expect(requestCost({ type: 'subscribe', ref: 1, room: 'r' } as never)).toBe(2);
    expect(requestCost({ type: 'subscribe', ref: 1, room: 'r', fromSeq: 3 } as never)).toBe(21);
  });
});
