import { describeSequenceStoreConformance } from '@relaybox/core/testing';
import { MemorySequenceStore } from './memory-sequence-store.js';

describeSequenceStoreConformance('MemorySequenceStore', () => {
  const counters = new Map<string, number>();
  return {
    createStore: () => new MemorySequenceStore({ counters }),
    dispose: async () => counters.clear(),
  };
});
