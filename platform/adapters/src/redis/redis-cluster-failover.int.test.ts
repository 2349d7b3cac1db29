import { HistoryCursor } from '@relaybox/core';
import { allPages, HISTORY_APP, HistoryFixture } from '@relaybox/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterProcess, startRedisCluster } from './redis-cluster-process.js';
import { redisClusterUrl } from './redis-connection.js';
import { RedisHistoryStore } from './redis-history-store.js';
import { uniquePrefix } from './redis-test-keys.js';
import { roomKeys } from './room-keys.js';

// A replica promoted (CLUSTER FAILOVER) while a stream of appends runs on its primary: every append
// that was acknowledged is in the history afterwards, with its seq, and seqs stay unique.
let cluster: RedisClusterProcess;

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** The replica of the primary that serves `key`'s slot (from CLUSTER NODES). */
async function replicaServing(key: string): Promise<string> {
  const seed = cluster.nodes[0] as string;
  const slot = Number((await cluster.cli(seed, 'CLUSTER', 'KEYSLOT', key)).trim());
  const lines = (await cluster.cli(seed, 'CLUSTER', 'NODES')).trim().split('\n');
  const nodes = lines.map((line) => line.split(' '));
  const primary = nodes.find(([, , flags, , , , , , ...slots]) => {
    if (!flags?.includes('master')) return false;
    return slots.some((range) => {
      const [from, to = from] = range.split('-').map(Number) as [number, number?];
      return slot >= from && slot <= (to as number);
    });
  });
  const replica = nodes.find((fields) => fields[3] === primary?.[0]);
  if (!replica) throw new Error(`no replica serves slot ${slot}`);
  return (replica[1] as string).split('@')[0] as string;
}

describe('RedisHistoryStore across a Redis Cluster failover', () => {
  it('loses no acknowledged append when a replica is promoted mid-stream', async () => {
    const prefix = uniquePrefix();
    const store = new RedisHistoryStore({
      url: redisClusterUrl(cluster.seeds),
      prefix,
      cursors: HistoryCursor.random(),
      commandTimeoutMs: 10_000,
    });
    const fx = new HistoryFixture();
    const room = 'failover';
    const replica = await replicaServing(roomKeys(prefix, HISTORY_APP, room).history);
    const acked = new Map<string, number>();
    let failures = 0;
    let promoted = false;
    let ackedAfterPromotion = 0;
    try {
      // A bounded stream; the failover is asked for after 100 acks and awaited while appends go on.
      for (let i = 0; i < 400 || ackedAfterPromotion < 50; i++) {
        if (i > 5000) throw new Error('the replica was not promoted within 5000 appends');
        if (acked.size === 100) {
          void cluster.cli(replica, 'CLUSTER', 'FAILOVER');
        }
        if (!promoted && acked.size > 100 && i % 10 === 0) {
          promoted = (await cluster.cli(replica, 'ROLE')).startsWith('master');
        }
        try {
          const { message } = await store.append(fx.input({ room }));
          acked.set(message.id, message.seq);
          if (promoted) ackedAfterPromotion += 1;
        } catch {
          failures += 1; // not acknowledged: the test asks nothing of it
        }
      }
      const stored = (await allPages([store], HISTORY_APP, room, { limit: 1000 })).flat();
      const seqOf = new Map(stored.map((m) => [m.id, m.seq]));
      for (const [id, seq] of acked) expect(seqOf.get(id)).toBe(seq);
      expect(new Set(stored.map((m) => m.seq)).size).toBe(stored.length);
      expect(acked.size).toBeGreaterThan(300);
      expect(ackedAfterPromotion).toBeGreaterThan(0); // the stream went on on the promoted replica
      expect(failures).toBeLessThan(acked.size);
    } finally {
      await store.close();
    }
  }, 60_000);
});
