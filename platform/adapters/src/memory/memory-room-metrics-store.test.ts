import { describeRoomMetricsStoreConformance } from '@relaybox/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryRoomMetricsState, MemoryRoomMetricsStore } from './memory-room-metrics-store.js';

describeRoomMetricsStoreConformance('MemoryRoomMetricsStore', () => {
  const state = new MemoryRoomMetricsState();
  return {
    createStore: (clock, ttlMs) => new MemoryRoomMetricsStore({ state, clock, ttlMs }),
    dispose: async () => state.clear(),
  };
});

describe('MemoryRoomMetricsStore', () => {
  it('deletes the stale figures of a vanished gateway on its sweeps, and rooms left empty', async () => {
    let now = 0;
    const state = new MemoryRoomMetricsState();
    const live = new MemoryRoomMetricsStore({ state, clock: () => now, ttlMs: 3000, sweepEvery: 5 });
    const gone = new MemoryRoomMetricsStore({ state, clock: () => now, ttlMs: 3000 });
    const figures = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, connections: 0 };
    await gone.flush('gw-gone', [{ appId: 'a', room: 'only-gone', ...figures, subscribers: 1 }], 1000);
    await gone.flush('gw-gone', [{ appId: 'a', room: 'shared', ...figures, subscribers: 1 }], 1000);
    for (let i = 0; i < 5; i++) {
      now += 1000;
      await live.flush('gw-live', [{ appId: 'a', room: 'shared', ...figures, subscribers: 2 }], 1000);
    }
    expect([...state.rooms.keys()]).toEqual(['a:shared']);
    expect([...(state.rooms.get('a:shared')?.keys() ?? [])]).toEqual(['gw-live']);
  });
});
