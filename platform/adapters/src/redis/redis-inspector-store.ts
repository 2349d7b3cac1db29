import type { InspectorStore, NodeSnapshot } from '@relaybox/core';
import type { RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';

const STORE = 'inspector store';

/** Every key of the store carries one hash tag, so `readAll`'s MGET works on a Redis Cluster too. */
export const inspectorNodeKey = (prefix: string, nodeId: string) => `${prefix}{inspector}:node:${nodeId}`;
export const inspectorIndexKey = (prefix: string) => `${prefix}{inspector}:nodes`;

export interface RedisInspectorStoreOptions extends RedisStateOptions {
  /** A snapshot is fresh this long after its write, in ms. Default 3000. */
  ttlMs?: number;
  clock?: () => number;
}

/**
 * `InspectorStore` on Redis: one string key per gateway holding its snapshot as JSON, with a PX
 * expiry of `ttlMs` (a dead gateway's snapshot expires by itself), and a sorted set nodeId → write
 * time to find them (pruned on every write, and expiring with the last writer).
 *
 * Size: about 250 bytes per connection (ids, rooms, counters), so a gateway with 10,000 connections
 * writes ~2.5 MB per second; the gateway bounds the connections it lists (`connectionCount` stays exact).
 */
export class RedisInspectorStore implements InspectorStore {
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private readonly fail = storeFailure(STORE);
  private closed = false;

  constructor(options: RedisInspectorStoreOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    this.ttlMs = options.ttlMs ?? 3000;
    this.clock = options.clock ?? Date.now;
    const { redis, ownsClient } = openStateClient(options);
    this.redis = redis;
    this.ownsClient = ownsClient;
  }

  async write(snapshot: NodeSnapshot): Promise<void> {
    this.check();
    const now = this.clock();
    const index = inspectorIndexKey(this.prefix);
    const result = await this.redis
      .multi()
      .set(inspectorNodeKey(this.prefix, snapshot.nodeId), JSON.stringify(snapshot), 'PX', this.ttlMs)
      .zadd(index, now, snapshot.nodeId)
      .zremrangebyscore(index, '-inf', now - this.ttlMs)
      .pexpire(index, this.ttlMs * 2)
      .exec()
      .catch(this.fail);
    const failed = result?.find(([error]) => error);
    if (failed?.[0]) this.fail(failed[0]);
  }

  async remove(nodeId: string): Promise<void> {
    this.check();
    await this.redis
      .multi()
      .del(inspectorNodeKey(this.prefix, nodeId))
      .zrem(inspectorIndexKey(this.prefix), nodeId)
      .exec()
      .catch(this.fail);
  }

  async readAll(): Promise<NodeSnapshot[]> {
    this.check();
    const ids = await this.redis
      .zrangebyscore(inspectorIndexKey(this.prefix), this.clock() - this.ttlMs, '+inf')
      .catch(this.fail);
    if (ids.length === 0) return [];
    const values = await this.redis
      .mget(...ids.map((id) => inspectorNodeKey(this.prefix, id)))
      .catch(this.fail);
    const snapshots: NodeSnapshot[] = [];
    for (const value of values) {
      if (value === null) continue; // expired between the two reads
      try {
        snapshots.push(JSON.parse(value) as NodeSnapshot);
      } catch {
        // A value this store did not write: ignored rather than failing the whole view.
      }
    }
    return snapshots.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeStateClient(this.redis, this.ownsClient);
  }

  private check(): void {
    if (this.closed) throw closedStore(STORE);
  }
}
