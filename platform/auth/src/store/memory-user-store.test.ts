import { describeUserStoreConformance } from '../testing/user-store-conformance.js';
import { MemoryUserStore } from './memory-user-store.js';

describeUserStoreConformance('MemoryUserStore', () => {
  const shared = new MemoryUserStore(() => 1_800_000_000_000);
  return {
    // One store stands for every gateway of the one embedded process.
    createStore: () => shared,
    dispose: async () => {},
  };
});
