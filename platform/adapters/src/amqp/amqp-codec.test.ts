import { describe, expect, it } from 'vitest';
import { decodeBrokerMessage, encodeBrokerMessage } from './amqp-codec.js';
import { fullJitter } from './full-jitter.js';

describe('amqp codec', () => {
  it('round-trips appId, room and payload, including multi-byte characters and empty strings', () => {
    for (const message of [
      { appId: 'app', room: 'chat:lobby', payload: '{"t":"m","d":"héllo ✓ 🚀"}' },
      { appId: 'ä', room: 'r', payload: '' },
      { appId: '', room: '', payload: 'x'.repeat(200_000) },
    ]) {
      expect(decodeBrokerMessage(encodeBrokerMessage(message))).toEqual(message);
    }
  });

  it('lays out version, two lengths, then the three fields', () => {
    const body = encodeBrokerMessage({ appId: 'ab', room: 'c', payload: 'xyz' });
    expect([...body]).toEqual([1, 0, 2, 0, 1, ...Buffer.from('abcxyz')]);
  });

  it('returns null for bodies in another format', () => {
    expect(decodeBrokerMessage(Buffer.from('{"json":true}'))).toBeNull();
    expect(decodeBrokerMessage(Buffer.from([1, 0]))).toBeNull();
    expect(decodeBrokerMessage(Buffer.from([1, 0, 9, 0, 9, 65]))).toBeNull();
  });

  it('refuses fields longer than 65535 bytes', () => {
    expect(() => encodeBrokerMessage({ appId: 'a', room: 'r'.repeat(70_000), payload: '' })).toThrow(
      /too long/,
    );
  });
});

describe('fullJitter', () => {
  it('stays within [min/2, min(max, min * 2^attempt)]', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      for (let i = 0; i < 50; i++) {
        const delay = fullJitter(attempt, 100, 5000);
        expect(delay).toBeGreaterThanOrEqual(50);
        expect(delay).toBeLessThanOrEqual(Math.min(5000, 100 * 2 ** attempt));
      }
    }
    const late = Array.from({ length: 200 }, () => fullJitter(10, 100, 5000));
    expect(Math.max(...late)).toBeGreaterThan(2500);
  });
});
