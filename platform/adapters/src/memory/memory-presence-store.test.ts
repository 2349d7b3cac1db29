import { describePresenceStoreConformance } from '@relaybox/core/testing';
import { MemoryPresenceState, MemoryPresenceStore } from './memory-presence-store.js';

describePresenceStoreConformance('MemoryPresenceStore', () => {
  const state = new MemoryPresenceState();
  return {
    createStore: (clock) => new MemoryPresenceStore({ state, clock }),
    dispose: async () => state.clear(),
  };
});
