import { describeSessionStoreConformance } from '@relaybox/core/testing';
import { describe, expect, it } from 'vitest';
import { MemorySessionState, MemorySessionStore } from './memory-session-store.js';

describeSessionStoreConformance('MemorySessionStore', () => {
  const state = new MemorySessionState();
  let now = 1_700_000_000_000;
  return {
    createStore: () => new MemorySessionStore({ state, clock: () => now }),
    elapse: async (ms) => {
      now += ms;
    },
    dispose: async () => state.clear(),
  };
});

describe('MemorySessionStore', () => {
  it('purges unclaimed detached sessions once their window passed, without being asked for them', async () => {
    const state = new MemorySessionState();
    let now = 0;
    const store = new MemorySessionStore({ state, clock: () => now });
    for (let i = 0; i < 100; i++) {
      await store.create(
        { connectionId: `c${i}`, appId: 'app-1', clientId: 'a', gatewayId: 'gw', rooms: {}, createdAt: 0 },
        's',
      );
      await store.detach(`c${i}`, 'gw', 1000);
    }
    expect(state.sessions.size).toBe(100);
    now = 1000;
    await store.create(
      { connectionId: 'x', appId: 'app-1', clientId: 'a', gatewayId: 'gw', rooms: {}, createdAt: 0 },
      's',
    );
    await store.detach('x', 'gw', 1000);
    expect([...state.sessions.keys()]).toEqual(['x']);
    expect(state.expiries).toHaveLength(1);
  });
});
