import { describeInspectorStoreConformance } from '@relaybox/core/testing';
import { MemoryInspectorState, MemoryInspectorStore } from './memory-inspector-store.js';

describeInspectorStoreConformance('MemoryInspectorStore', () => {
  const state = new MemoryInspectorState();
  return {
    createStore: (clock, ttlMs) => new MemoryInspectorStore({ state, clock, ttlMs }),
    elapse: async () => {},
    dispose: async () => state.clear(),
  };
});
