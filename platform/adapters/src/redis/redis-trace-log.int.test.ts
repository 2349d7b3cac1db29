import { describeTraceLogConformance } from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';
import { RedisTraceLog, traceStreamKey } from './redis-trace-log.js';

describeTraceLogConformance('RedisTraceLog', () => {
  const prefix = uniquePrefix();
  return {
    createLog: (capacity) => new RedisTraceLog({ url: REDIS_URL, prefix, capacity, blockMs: 200 }),
    dispose: () => deleteKeys(prefix),
  };
});

describe('RedisTraceLog against Redis', () => {
  it('expires the stream a while after the last append', async () => {
    const prefix = uniquePrefix();
    const log = new RedisTraceLog({ url: REDIS_URL, prefix, ttlMs: 60_000 });
    const admin = new Redis(REDIS_URL);
    try {
      await log.append([{ id: 'e1', ts: 1, gateway: 'gw', type: 'room.join' }]);
      const ttl = await admin.pttl(traceStreamKey(prefix));
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await log.close();
      admin.disconnect();
      await deleteKeys(prefix);
    }
  });
});
