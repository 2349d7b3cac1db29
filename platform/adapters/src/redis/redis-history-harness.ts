import { HistoryCursor } from '@relaybox/core';
import { HistoryFixture, TcpProxy } from '@relaybox/core/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import { RedisHistoryStore, type RedisHistoryStoreOptions } from './redis-history-store.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-test-keys.js';

/**
 * Per-test RedisHistoryStores against the real Redis: a fresh key prefix, an admin client to look
 * at the keys, a message fixture, and stores (direct or through a TCP proxy) closed after the test,
 * whose keys are then deleted. Call once inside a `describe`; read the fields inside tests.
 */
export function useRedisHistoryStores() {
  const cursors = HistoryCursor.random();
  let steps: (() => Promise<void>)[] = [];
  const h = {
    prefix: '',
    admin: undefined as unknown as Redis,
    fx: undefined as unknown as HistoryFixture,
    /** Runs after the test, before the keys are deleted (last registered first). */
    cleanup(step: () => Promise<void>): void {
      steps.push(step);
    },
    store(options: Partial<RedisHistoryStoreOptions> = {}): RedisHistoryStore {
      const created = new RedisHistoryStore({ url: REDIS_URL, prefix: h.prefix, cursors, ...options });
      h.cleanup(() => created.close());
      return created;
    },
    /** A store whose link to Redis runs through a proxy the test can cut. */
    async proxied(options: Partial<RedisHistoryStoreOptions> = {}) {
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
      h.cleanup(() => proxy.close());
      return { proxy, s: h.store({ url: `redis://127.0.0.1:${proxy.port}`, ...options }) };
    },
  };

  beforeEach(() => {
    h.prefix = uniquePrefix();
    h.admin = new Redis(REDIS_URL);
    h.fx = new HistoryFixture();
    steps = [];
  });

  afterEach(async () => {
    for (const step of steps.reverse()) await step();
    await deleteKeys(h.prefix);
    h.admin.disconnect();
  });

  return h;
}
