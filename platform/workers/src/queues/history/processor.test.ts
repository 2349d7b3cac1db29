import { MemoryHistoryStore } from '@relaybox/adapters';
import { HistoryCursor, queryMessages } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { processHistoryJob } from './processor.js';
import { historyQueue } from './queue.js';

const job = {
  id: 'trim-1',
  queue: historyQueue.name,
  data: { v: 1, kind: 'trim-expired' } as const,
  attempt: 1,
  maxAttempts: 1,
  enqueuedAt: 0,
};

describe('history queue: age retention', () => {
  it('trims messages older than each app’s bound', async () => {
    const history = new MemoryHistoryStore({ cursors: HistoryCursor.random() });
    const t0 = 1_700_000_000_000;
    for (const appId of ['short', 'long']) {
      for (let i = 0; i < 3; i++) {
        await history.append({
          appId,
          room: 'r',
          id: `${appId}-${i}`,
          event: 'e',
          data: i,
          clientId: 'c',
          timestamp: t0 + i * 1000,
          retention: { maxMessages: 100, maxAgeMs: 86_400_000 },
          idempotencyWindowMs: 1000,
        });
      }
    }
    const maxAgeMs = (appId: string) => (appId === 'short' ? 1500 : 86_400_000);
    await processHistoryJob(job, { history, maxAgeMs, now: () => t0 + 3000, log: () => {} });
    const seqs = async (appId: string) =>
      (await queryMessages(history, appId, 'r', { direction: 'forwards' })).items.map((m) => m.seq);
    expect(await seqs('short')).toEqual([3]);
    expect(await seqs('long')).toEqual([1, 2, 3]);
  });
});
