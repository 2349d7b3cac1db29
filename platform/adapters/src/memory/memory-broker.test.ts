import { describeBrokerConformance } from '@relaybox/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from './memory-broker.js';
import { MemoryBus } from './memory-bus.js';

describeBrokerConformance('MemoryBroker', () => {
  const bus = new MemoryBus({ shardCount: 16 });
  const unbindGraceMs = 100;
  return {
    createBroker: () => new MemoryBroker({ bus, unbindGraceMs }),
    shardCount: bus.shardCount,
    unbindGraceMs,
    dispose: async () => {},
  };
});

describe('MemoryBroker', () => {
  it('keeps delivering to other handlers and later messages when a handler throws', async () => {
    const errors: unknown[] = [];
    const broker = new MemoryBroker({ onError: (e) => errors.push(e) });
    const seen: string[] = [];
    broker.onMessage((m) => {
      if (m.payload === 'bad') throw new Error('handler bug');
    });
    broker.onMessage((m) => seen.push(m.payload));
    await broker.start();
    await broker.subscribe('app', 'room');
    await broker.publish({ appId: 'app', room: 'room', payload: 'bad' });
    await broker.publish({ appId: 'app', room: 'room', payload: 'good' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual(['bad', 'good']);
    expect(errors).toHaveLength(1);
    await broker.close();
  });

  it('rejects subscribe and publish before start()', async () => {
    const broker = new MemoryBroker();
    await expect(broker.subscribe('app', 'room')).rejects.toMatchObject({ code: 'broker_unavailable' });
    await expect(broker.publish({ appId: 'app', room: 'room', payload: 'x' })).rejects.toMatchObject({
      code: 'broker_unavailable',
    });
    expect(broker.state).toBe('disconnected');
    await broker.close();
  });

  it('delivers messages published by a handler after the current ones, never re-entrantly', async () => {
    const broker = new MemoryBroker();
    const seen: string[] = [];
    let depth = 0;
    broker.onMessage((m) => {
      depth++;
      seen.push(`${m.payload}@${depth}`);
      if (m.payload === 'first') void broker.publish({ appId: 'app', room: 'room', payload: 'reply' });
      depth--;
    });
    await broker.start();
    await broker.subscribe('app', 'room');
    void broker.publish({ appId: 'app', room: 'room', payload: 'first' });
    void broker.publish({ appId: 'app', room: 'room', payload: 'second' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual(['first@1', 'second@1', 'reply@1']);
    await broker.close();
  });

  it('does not let brokers on different buses see each other', async () => {
    const a = new MemoryBroker();
    const b = new MemoryBroker();
    const seen: string[] = [];
    b.onMessage((m) => seen.push(m.payload));
    await Promise.all([a.start(), b.start()]);
    await b.subscribe('app', 'room');
    await a.publish({ appId: 'app', room: 'room', payload: 'elsewhere' });
    await b.publish({ appId: 'app', room: 'room', payload: 'here' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual(['here']);
    await Promise.all([a.close(), b.close()]);
  });
});
