import { connectRedis } from '@relaybox/adapters';
import { testName } from '@relaybox/core/testing';
import { describeUserStoreConformance } from '../testing/user-store-conformance.js';
import { RedisUserStore } from './redis-user-store.js';

const REDIS_URL = process.env.RELAYBOX_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describeUserStoreConformance('RedisUserStore', () => {
  const prefix = `${testName('auth')}:`;
  return {
    createStore: () => new RedisUserStore({ url: REDIS_URL, prefix }),
    dispose: async () => {
      const redis = connectRedis(REDIS_URL, {});
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
});
