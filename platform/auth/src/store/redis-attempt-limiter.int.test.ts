import { connectRedis } from '@relaybox/adapters';
import { testName } from '@relaybox/core/testing';
import { describeAttemptLimiterConformance } from '../testing/attempt-limiter-conformance.js';
import { RedisAttemptLimiter } from './redis-attempt-limiter.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

describeAttemptLimiterConformance('RedisAttemptLimiter', () => {
  const prefix = `${testName('auth-limits')}:`;
  return {
    createLimiter: () => new RedisAttemptLimiter({ url: REDIS_URL, prefix }),
    dispose: async () => {
      const redis = connectRedis(REDIS_URL, {});
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
});
