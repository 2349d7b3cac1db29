import { HistoryCursor, queryMessages } from '@relaybox/core';
import { describeHistoryStoreConformance } from '@relaybox/core/testing';
import { describe, expect, it } from 'vitest';
import { MemoryHistoryData, MemoryHistoryStore } from './memory-history-store.js';

describeHistoryStoreConformance('MemoryHistoryStore', () => {
  const data = new MemoryHistoryData();
  const cursors = HistoryCursor.random();
  return {
    createStore: () => new MemoryHistoryStore({ data, cursors }),
    dispose: async () => {
      data.rooms.clear();
      data.counters.clear();
      data.idempotency.clear();
    },
  };
});

describe('MemoryHistoryStore', () => {
  const retention = { maxMessages: 3, maxAgeMs: 1000 };
  const input = (i: number, over: Record<string, unknown> = {}) => ({
    appId: 'app-1',
    room: 'r',
    id: `id-${i}`,
    event: 'e',
    data: i,
    clientId: 'c',
    timestamp: 1000 + i,
    retention,
    idempotencyWindowMs: 500,
    ...over,
  });

  it('keeps returning the original of a key whose message retention already removed', async () => {
    const store = new MemoryHistoryStore();
    const original = await store.append(input(0, { idempotencyKey: 'k' }));
    for (let i = 1; i <= 5; i++) await store.append(input(i));
    expect((await store.bounds('app-1', 'r')).oldestSeq).toBe(4);
    const retry = await store.append(input(9, { idempotencyKey: 'k' }));
    expect(retry).toEqual({ ...original, duplicate: true });
  });

  it('forgets idempotency keys by its clock and drops them from memory', async () => {
    let now = 0;
    const data = new MemoryHistoryData();
    const store = new MemoryHistoryStore({ data, clock: () => now });
    await store.append(input(0, { idempotencyKey: 'a' }));
    await store.append(input(1, { idempotencyKey: 'b' }));
    expect(data.idempotency.size).toBe(2);
    now = 499;
    expect((await store.append(input(2, { idempotencyKey: 'a' }))).duplicate).toBe(true);
    now = 500;
    expect((await store.append(input(3, { idempotencyKey: 'a' }))).message.seq).toBe(3);
    expect(data.idempotency.size).toBe(1);
    now = 2000;
    await store.trimExpired({ now: 0, maxAgeMs: 1 });
    expect(data.idempotency.size).toBe(0);
  });

  it('frees a room trimmed empty and keeps bounded memory over many appends', async () => {
    const data = new MemoryHistoryData();
    const store = new MemoryHistoryStore({ data });
    for (let i = 0; i < 5000; i++) await store.append(input(i));
    expect((await queryMessages(store, 'app-1', 'r', { limit: 1000 })).items.map((m) => m.seq)).toEqual([
      5000, 4999, 4998,
    ]);
    await store.trimExpired({ now: 1_000_000, maxAgeMs: 1000 });
    expect(data.rooms.size).toBe(0);
    expect(data.counters.get('app-1:r')).toBe(5000);
  });
});
