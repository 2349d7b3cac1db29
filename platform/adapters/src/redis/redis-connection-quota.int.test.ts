import { describeConnectionQuotaConformance } from '@relaybox/core/testing';
import { RedisConnectionQuota } from './redis-connection-quota.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

describeConnectionQuotaConformance('RedisConnectionQuota', () => {
  const prefix = uniquePrefix();
  return {
    createQuota: () => new RedisConnectionQuota({ url: REDIS_URL, prefix }),
    dispose: () => deleteKeys(prefix),
  };
});
