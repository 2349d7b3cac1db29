import { redisClusterUrl } from '@relaybox/adapters';
import { type RedisClusterProcess, startRedisCluster } from '@relaybox/adapters/testing';
import { describeJobQueueConformance } from '@relaybox/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMqJobQueue, bullPrefix } from './bullmq-job-queue.js';
import { uniquePrefix } from './testing/redis-keys.js';

// The job queue conformance suite on a real 3-primary Redis Cluster started for this file: BullMQ's
// scripts fail with CROSSSLOT there unless every key of a queue shares one hash tag.

let cluster: RedisClusterProcess;
let url: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3 });
  url = redisClusterUrl(cluster.seeds);
}, 40_000);

afterAll(async () => {
  await cluster?.stop();
});

describeJobQueueConformance('BullMqJobQueue on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  // The cluster is this file's and is deleted after it: nothing to clean per test.
  return { createQueue: () => new BullMqJobQueue({ url, prefix }), dispose: async () => {} };
});

describe('bullPrefix', () => {
  it('hash-tags the prefix on a cluster only, and keeps a tag the caller chose', () => {
    expect(bullPrefix('rb:bull', 'redis://127.0.0.1:6379')).toBe('rb:bull');
    expect(bullPrefix('rb:bull', 'redis+cluster://127.0.0.1:7000')).toBe('{rb:bull}');
    expect(bullPrefix('{tenant}:bull', 'redis+cluster://127.0.0.1:7000')).toBe('{tenant}:bull');
  });
});
