import { HistoryCursor } from '@relaybox/core';
import {
  describeHistoryStoreConformance,
  describeInspectorStoreConformance,
  describePresenceStoreConformance,
  describeRoomMetricsStoreConformance,
  describeSessionStoreConformance,
  describeTraceLogConformance,
  sleep,
} from '@relaybox/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { type RedisClusterProcess, startRedisCluster } from './redis-cluster-process.js';
import { redisClusterUrl } from './redis-connection.js';
import { RedisHistoryStore } from './redis-history-store.js';
import { RedisInspectorStore } from './redis-inspector-store.js';
import { RedisPresenceStore } from './redis-presence-store.js';
import { RedisRoomMetricsStore } from './redis-room-metrics-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import { uniquePrefix } from './redis-test-keys.js';
import { RedisTraceLog } from './redis-trace-log.js';

// The conformance suites of the Redis stores against a real 3-primary Redis Cluster started for
// this file (and killed after it): a script that touched two slots would fail here with CROSSSLOT.

let cluster: RedisClusterProcess;
let url: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3 });
  url = redisClusterUrl(cluster.seeds);
}, 40_000);

afterAll(async () => {
  await cluster?.stop();
});

// Keys live in a cluster this file owns and deletes: nothing to clean per test.
const dispose = async (): Promise<void> => {};

describeHistoryStoreConformance('RedisHistoryStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  const cursors = HistoryCursor.random();
  return { createStore: () => new RedisHistoryStore({ url, prefix, cursors }), dispose };
});

describeInspectorStoreConformance('RedisInspectorStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock, ttlMs) => new RedisInspectorStore({ url, prefix, clock, ttlMs }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    dispose,
  };
});

describeRoomMetricsStoreConformance('RedisRoomMetricsStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock, ttlMs) =>
      new RedisRoomMetricsStore({ url, prefix, clock, ttlMs, batchSize: 97, pruneEvery: 2 }),
    dispose,
  };
});

describeTraceLogConformance('RedisTraceLog on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return { createLog: (capacity) => new RedisTraceLog({ url, prefix, capacity, blockMs: 200 }), dispose };
});

describeSessionStoreConformance('RedisSessionStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: () => new RedisSessionStore({ url, prefix, batchSize: 97 }),
    elapse: (ms) => sleep(ms),
    dispose,
  };
});

describePresenceStoreConformance('RedisPresenceStore on a Redis Cluster', () => {
  const prefix = uniquePrefix();
  return {
    createStore: (clock) => new RedisPresenceStore({ url, prefix, clock, batchSize: 97, scanCount: 250 }),
    dispose,
  };
});
