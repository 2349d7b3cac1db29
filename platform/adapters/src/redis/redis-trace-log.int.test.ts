import { describeTraceLogConformance } from '@relaybox/core/testing';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';
import { RedisTraceLog } from './redis-trace-log.js';

describeTraceLogConformance('RedisTraceLog', () => {
  const prefix = uniquePrefix();
  return {
    createLog: (capacity) => new RedisTraceLog({ url: REDIS_URL, prefix, capacity, blockMs: 200 }),
    dispose: () => deleteKeys(prefix),
  };
});
