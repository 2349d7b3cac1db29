import { describeInspectorStoreConformance } from '@relaybox/core/testing';
import { RedisInspectorStore } from './redis-inspector-store.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

describeInspectorStoreConformance('RedisInspectorStore', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock, ttlMs) => new RedisInspectorStore({ url: REDIS_URL, prefix, clock, ttlMs }),
    // Key expiry runs on the Redis server's clock: wait it out for real.
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    dispose: () => deleteKeys(prefix),
  };
});
