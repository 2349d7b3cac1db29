import {
  isEmptySample,
  type RoomFigures,
  type RoomMetrics,
  type RoomMetricsStore,
  type RoomSample,
  sampleFigures,
  sumRoomFigures,
} from '@relaybox/core';
import { type ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';

interface RoomMetricsCommands {
  relayboxRoomMetricsFlush(...args: string[]): ChainableCommander;
}

const SCRIPTS = { relayboxRoomMetricsFlush: { file: 'room-metrics-flush.lua', keys: 1 } };

const STORE = 'room metrics store';

/**
 * Hash of a room's figures: gatewayId → `<flushedAt>|<msgIn/s>|<msgOut/s>|<bytesIn/s>|<bytesOut/s>|
 * <subscribers>|<connections>`. It carries the room's hash tag like every key of a room (room-keys.ts).
 */
export function roomMetricsKey(prefix: string, appId: string, room: string): string {
  return `${prefix}{${appId}:${room}}:metrics`;
}

export interface RedisRoomMetricsStoreOptions extends RedisStateOptions {
  /** A gateway's figures are fresh this long after their flush, in ms. Default 3000. */
  ttlMs?: number;
  /** Stale figures of the flushed rooms are pruned on every n-th flush. Default 10. */
  pruneEvery?: number;
  /** Rooms written per pipelined round trip. Default 1000. */
  batchSize?: number;
  /** Stamps flushes and reads. Default Date.now. */
  clock?: () => number;
}

/**
 * `RoomMetricsStore` on Redis: one hash per room, one field per gateway (lua/room-metrics-flush.lua).
 *
 * A flush is one pipelined script call per named room (O(samples), in round trips of `batchSize`);
 * each call writes the gateway's field and pushes the hash's expiry to `ttlMs` after the write, or
 * deletes the field for an all-zero sample. Every `pruneEvery`-th flush the calls also delete other
 * gateways' stale fields (O(gateways of the room)); a room no live gateway reports expires whole.
 * A read is one HGETALL: O(gateways reporting the room). Each call touches one key, so the store
 * works on a Redis Cluster too.
 *
 * Writes are idempotent (a field is replaced), so unlike presence a resent flush does no harm; the
 * client options of the state stores are kept anyway for one behaviour across stores.
 */
export class RedisRoomMetricsStore implements RoomMetricsStore {
  private readonly redis: RedisClient;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly pruneEvery: number;
  private readonly batchSize: number;
  private readonly clock: () => number;
  private readonly fail = storeFailure(STORE);
  private flushes = 0;
  private closed = false;

  constructor(options: RedisRoomMetricsStoreOptions = {}) {
    this.prefix = options.prefix ?? 'rb:';
    this.ttlMs = options.ttlMs ?? 3000;
    this.pruneEvery = Math.max(1, options.pruneEvery ?? 10);
    this.batchSize = Math.max(1, options.batchSize ?? 1000);
    this.clock = options.clock ?? Date.now;
    const { redis, ownsClient } = openStateClient(options);
    defineScripts(redis, SCRIPTS);
    this.redis = redis;
    this.ownsClient = ownsClient;
  }

  async flush(gatewayId: string, samples: readonly RoomSample[], intervalMs: number): Promise<void> {
    if (this.closed) throw closedStore(STORE);
    const now = Math.floor(this.clock());
    const prune = ++this.flushes % this.pruneEvery === 0 ? String(now - this.ttlMs) : '';
    const ttl = String(this.ttlMs);
    for (let start = 0; start < samples.length; start += this.batchSize) {
      const calls = samples.slice(start, start + this.batchSize).map((sample) => {
        const value = isEmptySample(sample) ? '' : encode(sampleFigures(sample, intervalMs, now));
        return [roomMetricsKey(this.prefix, sample.appId, sample.room), gatewayId, value, ttl, prune];
      });
      await this.flushBatch(calls);
    }
  }

  /**
   * One round trip per batch on one Redis (a pipeline). A cluster client refuses a pipeline whose
   * keys span slots, so there each room's call is sent on its own, all at once: ioredis queues
   * them on the node that owns each room.
   */
  private async flushBatch(calls: string[][]): Promise<void> {
    if (this.redis instanceof Cluster) {
      const redis = this.redis as unknown as { relayboxRoomMetricsFlush(...args: string[]): Promise<number> };
      await Promise.all(calls.map((args) => redis.relayboxRoomMetricsFlush(...args))).catch(this.fail);
      return;
    }
    const pipeline = this.redis.pipeline() as ChainableCommander & RoomMetricsCommands;
    for (const args of calls) pipeline.relayboxRoomMetricsFlush(...args);
    const results = await pipeline.exec().catch(this.fail);
    const failed = results?.find(([error]) => error);
    if (failed) this.fail(failed[0]);
  }

  async read(appId: string, room: string): Promise<RoomMetrics> {
    if (this.closed) throw closedStore(STORE);
    const fields = await this.redis.hgetall(roomMetricsKey(this.prefix, appId, room)).catch(this.fail);
    const figures: RoomFigures[] = [];
    for (const value of Object.values(fields)) {
      const parsed = decode(value);
      if (parsed) figures.push(parsed);
    }
    return sumRoomFigures(room, figures, this.clock(), this.ttlMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeStateClient(this.redis, this.ownsClient);
  }
}

function encode(f: RoomFigures): string {
  return [
    f.flushedAt,
    f.messagesInPerSecond,
    f.messagesOutPerSecond,
    f.bytesInPerSecond,
    f.bytesOutPerSecond,
    f.subscribers,
    f.connections,
  ].join('|');
}

/** A field written by another version, or damaged, is skipped rather than failing the read. */
function decode(value: string): RoomFigures | undefined {
  const n = value.split('|').map(Number);
  if (n.length !== 7 || !n.every(Number.isFinite)) return undefined;
  const [flushedAt, mIn, mOut, bIn, bOut, subscribers, connections] = n as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    flushedAt,
    messagesInPerSecond: mIn,
    messagesOutPerSecond: mOut,
    bytesInPerSecond: bIn,
    bytesOutPerSecond: bOut,
    subscribers,
    connections,
  };
}
