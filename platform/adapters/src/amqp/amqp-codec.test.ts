import type { BrokerMessage } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import {
  decodeBrokerBody,
  decodeBrokerMessage,
  encodeBrokerBatch,
  encodeBrokerMessage,
  measureBrokerMessage,
} from './amqp-codec.js';
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

describe('amqp codec v2 (batches)', () => {
  const batch = (messages: BrokerMessage[]): Buffer => encodeBrokerBatch(messages.map(measureBrokerMessage));
  const messages: BrokerMessage[] = [
    { appId: 'app', room: 'chat:lobby', payload: '{"d":"héllo ✓ 🚀"}' },
    {
      appId: 'ä',
      room: 'r',
      payload: '',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
    { appId: '', room: '', payload: 'x'.repeat(200_000) },
  ];

  it('round-trips several messages in order, each with or without its traceparent', () => {
    expect(decodeBrokerBody(batch(messages))).toEqual(messages);
    expect(decodeBrokerBody(batch([messages[1]!]))).toEqual([messages[1]]);
  });

  it('lays out version, count, then per entry four lengths and four fields', () => {
    const body = batch([
      { appId: 'ab', room: 'c', payload: 'xyz' },
      { appId: 'd', room: '', payload: 'e', traceparent: 'tp' },
    ]);
    expect([...body]).toEqual([
      2,
      0,
      2,
      0,
      2,
      0,
      1,
      0,
      0,
      0,
      0,
      0,
      3,
      ...Buffer.from('abcxyz'),
      0,
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      1,
      ...Buffer.from('dtpe'),
    ]);
  });

  it('decodes v1 bodies too, as a batch of one', () => {
    expect(decodeBrokerBody(encodeBrokerMessage(messages[0]!))).toEqual([messages[0]]);
    expect(decodeBrokerBody(Buffer.from([1, 0, 9, 0, 9, 65]))).toBeNull();
  });

  it('drops malformed bodies whole: unknown version, zero count, truncated entry, trailing bytes', () => {
    const good = batch(messages.slice(0, 2));
    expect(decodeBrokerBody(Buffer.alloc(0))).toBeNull();
    expect(decodeBrokerBody(Buffer.from([3, 0, 1]))).toBeNull();
    expect(decodeBrokerBody(Buffer.from([2, 0]))).toBeNull();
    expect(decodeBrokerBody(Buffer.from([2, 0, 0]))).toBeNull();
    expect(decodeBrokerBody(good.subarray(0, good.length - 1))).toBeNull();
    expect(decodeBrokerBody(good.subarray(0, 3 + 5))).toBeNull();
    expect(decodeBrokerBody(Buffer.concat([good, Buffer.from([0])]))).toBeNull();
    const moreThanSent = Buffer.from(good);
    moreThanSent.writeUInt16BE(3, 1);
    expect(decodeBrokerBody(moreThanSent)).toBeNull();
  });

  it('refuses an empty batch and a traceparent longer than 65535 bytes', () => {
    expect(() => encodeBrokerBatch([])).toThrow(RangeError);
    expect(() =>
      measureBrokerMessage({ appId: 'a', room: 'r', payload: '', traceparent: 't'.repeat(70_000) }),
    ).toThrow(/traceparent too long/);
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
