import { CloseCode } from '@relaybox/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CountingTransport } from './admin/counting-transport.js';
import { SlowReaderTransport, slowReaderOf, type TopicTap } from './slow-reader.js';
import type { Transport } from './transport.js';

interface FakeSocket extends Omit<Transport, 'closed'> {
  closed: boolean;
  sent: string[];
  topics: Set<string>;
  closedWith?: number;
}

const socket = (): FakeSocket => {
  const s: FakeSocket = {
    sent: [],
    topics: new Set(),
    send: (text) => {
      s.sent.push(text);
      return true;
    },
    close: (code) => {
      s.closedWith = code;
      s.closed = true;
    },
    bufferedAmount: 0,
    closed: false,
    subscribe: (topic) => void s.topics.add(topic),
    unsubscribe: (topic) => void s.topics.delete(topic),
  };
  return s;
};

/** A hub's taps: `publish` reaches the socket's topics (uWS) and every tap of the topic. */
const hub = (ws: FakeSocket) => {
  const taps = new Map<string, Set<(p: string) => void>>();
  const tap: TopicTap = (topic, fn) => {
    const set = taps.get(topic) ?? new Set();
    taps.set(topic, set);
    set.add(fn);
    return () => set.delete(fn);
  };
  const publish = (topic: string, payload: string) => {
    if (ws.topics.has(topic)) ws.sent.push(payload);
    for (const fn of taps.get(topic) ?? []) fn(payload);
  };
  return { tap, publish, taps };
};

describe('SlowReaderTransport', () => {
  afterEach(() => vi.useRealTimers());

  it('passes everything through until slowed', () => {
    const ws = socket();
    const { tap, publish } = hub(ws);
    const t = new SlowReaderTransport(ws, tap, 1000);
    t.subscribe('a|room');
    publish('a|room', 'm1');
    t.send('ack');
    expect(ws.sent).toEqual(['m1', 'ack']);
    expect(t.slowed).toBe(false);
  });

  it('slowed: topic messages and sends queue, count as buffered, drain at the read rate, in order', () => {
    vi.useFakeTimers();
    const ws = socket();
    const { tap, publish, taps } = hub(ws);
    const t = new SlowReaderTransport(ws, tap, 10_000);
    t.subscribe('a|room');
    t.slow(200, 60_000);
    expect(ws.topics.has('a|room')).toBe(false);
    for (let i = 0; i < 10; i++) publish('a|room', `m${i}`.padEnd(100, '.'));
    t.send('ack'.padEnd(100, '.'));
    expect(ws.sent).toEqual([]);
    expect(t.bufferedAmount).toBe(1100);
    vi.advanceTimersByTime(1000);
    // 200 B/s: about 2 frames of 100 bytes in a second (a frame may start on a partial budget).
    expect(ws.sent.length).toBeGreaterThanOrEqual(2);
    expect(ws.sent.length).toBeLessThanOrEqual(4);
    expect(ws.sent.map((f) => f.replace(/\.+$/, ''))).toEqual(
      ['m0', 'm1', 'm2', 'm3'].slice(0, ws.sent.length),
    );
    t.recover();
    expect(ws.sent.map((f) => f.replace(/\.+$/, ''))).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `m${i}`),
      'ack',
    ]);
    expect(t.bufferedAmount).toBe(0);
    expect(ws.topics.has('a|room')).toBe(true);
    expect(taps.get('a|room')?.size).toBe(0);
  });

  it('read rate 0: nothing is sent; past maxQueuedBytes it is closed with 4001', () => {
    vi.useFakeTimers();
    const ws = socket();
    const { tap, publish } = hub(ws);
    const t = new SlowReaderTransport(ws, tap, 250);
    t.subscribe('a|room');
    t.slow(0, 60_000);
    publish('a|room', 'x'.repeat(200));
    vi.advanceTimersByTime(5000);
    expect(ws.sent).toEqual([]);
    publish('a|room', 'x'.repeat(100));
    expect(ws.closedWith).toBe(CloseCode.SlowConsumer);
    expect(t.slowed).toBe(false);
  });

  it('recovers by itself after its duration; topics joined or left meanwhile follow', () => {
    vi.useFakeTimers();
    const ws = socket();
    const { tap, publish } = hub(ws);
    const t = new SlowReaderTransport(ws, tap, 10_000);
    t.subscribe('a|one');
    t.slow(0, 1000);
    t.subscribe('a|two');
    t.unsubscribe('a|one');
    publish('a|one', 'gone');
    publish('a|two', 'queued');
    vi.advanceTimersByTime(1000);
    expect(t.slowed).toBe(false);
    expect(ws.sent).toEqual(['queued']);
    expect([...ws.topics]).toEqual(['a|two']);
  });

  it('is found under the counting transport', () => {
    const slow = new SlowReaderTransport(socket(), hub(socket()).tap, 10);
    expect(slowReaderOf(new CountingTransport(slow, () => undefined))).toBe(slow);
    expect(slowReaderOf(socket())).toBeUndefined();
  });
});
