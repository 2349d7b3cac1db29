import { connectRedis } from '@relaybox/adapters';
import { testName } from '@relaybox/core/testing';
import { describe, expect, it } from 'vitest';
import { describeUserStoreConformance } from '../testing/user-store-conformance.js';
import { SESSION_KEEP_MS } from './memory-user-store.js';
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

describe('RedisUserStore session purge', () => {
  it('removes sessions whose storage ended from the user sets, periodically, and keeps the others', async () => {
    const NOW = 1_900_000_000_000;
    const prefix = `${testName('auth-purge')}:`;
    const writer = new RedisUserStore({ url: REDIS_URL, prefix });
    const session = (id: string, userId: string, expiresAt: number) => ({
      id,
      appId: 'purge-app',
      userId,
      refreshHash: 'h',
      generation: 0,
      revoked: false,
      createdAt: 0,
      expiresAt,
    });
    for (let i = 0; i < 7; i++)
      await writer.createSession(session(`ended-${i}`, `u${i % 3}`, NOW - SESSION_KEEP_MS - 1));
    await writer.createSession(session('recent', 'u0', NOW - 1));
    const redis = connectRedis(REDIS_URL, {});
    // A session whose hash already expired (Redis's TTL) leaves only its id in the set.
    await redis.sadd(`${prefix}{auth:purge-app}:user-sessions:u1`, 'gone-long-ago');
    const purging = new RedisUserStore({
      url: REDIS_URL,
      prefix,
      purge: { intervalMs: 1000, batchSize: 3, clock: () => NOW },
    });
    const left = async () => {
      const keys = (await redis.keys(`${prefix}*`)).sort();
      const members = await Promise.all(
        [0, 1, 2].map((u) => redis.smembers(`${prefix}{auth:purge-app}:user-sessions:u${u}`)),
      );
      return { keys: keys.map((k) => k.slice(prefix.length)), members: members.flat().sort() };
    };
    const deadline = Date.now() + 8000;
    while ((await left()).members.length > 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await left()).toEqual({
      keys: ['{auth:purge-app}:session:recent', '{auth:purge-app}:user-sessions:u0'],
      members: ['recent'],
    });
    await Promise.all([writer.close(), purging.close()]);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }, 15_000);
});
