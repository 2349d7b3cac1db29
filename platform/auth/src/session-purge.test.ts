import { describe, expect, it } from 'vitest';
import { startSessionPurge } from './session-purge.js';
import { MemoryUserStore, SESSION_KEEP_MS } from './store/memory-user-store.js';

const NOW = 1_800_000_000_000;

async function storeWithEnded(n: number): Promise<MemoryUserStore> {
  const store = new MemoryUserStore(() => 0);
  for (let i = 0; i < n; i++)
    await store.createSession({
      id: `s${i}`,
      appId: 'app',
      userId: 'u',
      refreshHash: 'h',
      generation: 0,
      revoked: false,
      createdAt: 0,
      expiresAt: NOW - SESSION_KEEP_MS - 1,
    });
  return store;
}

describe('startSessionPurge', () => {
  it('purges in batches, at most maxBatches a run, stopping at the first batch that is not full', async () => {
    const store = await storeWithEnded(25);
    const calls: number[] = [];
    const counting = {
      purgeExpiredSessions: async (now: number, limit: number) => {
        const n = await store.purgeExpiredSessions(now, limit);
        calls.push(n);
        return n;
      },
    };
    const purge = startSessionPurge(counting, { batchSize: 4, maxBatches: 3, clock: () => NOW });
    expect(await purge.runOnce()).toBe(12);
    expect(calls).toEqual([4, 4, 4]);
    calls.length = 0;
    expect(await purge.runOnce()).toBe(12);
    expect(await purge.runOnce()).toBe(1);
    expect(calls).toEqual([4, 4, 4, 1]);
    expect(await purge.runOnce()).toBe(0);
    await purge.stop();
  });

  it('runs by itself every intervalMs and reports a failed run', async () => {
    const store = await storeWithEnded(3);
    const errors: unknown[] = [];
    let fail = true;
    const flaky = {
      purgeExpiredSessions: (now: number, limit: number) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('down'));
        }
        return store.purgeExpiredSessions(now, limit);
      },
    };
    const purge = startSessionPurge(flaky, {
      intervalMs: 1000,
      clock: () => NOW,
      onError: (e) => errors.push(e),
    });
    const deadline = Date.now() + 4000;
    while ((await store.listSessions('app', 'u', 0)).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await purge.stop();
    expect(errors.map(String)).toEqual(['Error: down']);
    expect(await store.listSessions('app', 'u', 0)).toEqual([]);
  }, 5000);

  it('refuses options out of bounds', () => {
    const store = new MemoryUserStore();
    expect(() => startSessionPurge(store, { intervalMs: 10 })).toThrow(
      /intervalMs must be an integer 1000-86400000/,
    );
    expect(() => startSessionPurge(store, { batchSize: 0 })).toThrow(/batchSize must be an integer 1-10000/);
    expect(() => startSessionPurge(store, { maxBatches: 1.5 })).toThrow(/maxBatches/);
  });
});
