import { MemoryTraceLog } from '@relaybox/adapters';
import type { TraceEvent, TraceLog } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { Tracer } from './tracer.js';

describe('Tracer', () => {
  it('off: emits nothing and never touches a log', async () => {
    expect(Tracer.off.on).toBe(false);
    Tracer.off.emit('message.received', { appId: 'a' });
    await Tracer.off.flush();
    await Tracer.off.stop();
  });

  it('buffers events and appends them as one batch per flush', async () => {
    const batches: TraceEvent[][] = [];
    const log: TraceLog = {
      append: async (events) => void batches.push([...events]),
      query: async () => [],
      follow: () => () => {},
      close: async () => {},
    };
    const tracer = new Tracer(log, 'gw-1', { flushMs: 10_000 });
    tracer.emit('message.received', { appId: 'a', messageId: 'm1' }, 5);
    tracer.emit('message.stored', { appId: 'a', messageId: 'm1', seq: 1 });
    expect(batches).toEqual([]);
    await tracer.flush();
    expect(batches).toHaveLength(1);
    const [first, second] = batches[0] as TraceEvent[];
    expect(first).toMatchObject({ ts: 5, gateway: 'gw-1', type: 'message.received', messageId: 'm1' });
    expect(second).toMatchObject({ type: 'message.stored', seq: 1 });
    expect(first?.id).not.toBe(second?.id);
  });

  it('drops (and counts) events past the buffer bound while the log is slow', async () => {
    const log = new MemoryTraceLog();
    const tracer = new Tracer(log, 'gw-1', { flushMs: 10_000, maxBuffered: 3 });
    for (let i = 0; i < 5; i++) tracer.emit('room.join', { room: `r${i}` });
    expect(tracer.dropped).toBe(2);
    await tracer.stop();
    expect((await log.query({})).map((e) => e.room)).toEqual(['r0', 'r1', 'r2']);
  });
});
