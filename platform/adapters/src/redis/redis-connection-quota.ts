import type { ConnectionQuota } from '@relaybox/core';
import type { RedisClient } from './redis-connection.js';
import {
  closedStore,
  closeStateClient,
  defineScripts,
  openStateClient,
  type RedisStateOptions,
  storeFailure,
} from './redis-state-client.js';

const SCRIPTS = {
  relayboxConnectionReserve: { file: 'connection-reserve.lua', keys: 1 },
  relayboxConnectionRelease: { file: 'connection-release.lua', keys: 1 },
  relayboxConnectionDropGateway: { file: 'connection-drop-gateway.lua', keys: 1 },
};

interface QuotaCommands {
  relayboxConnectionReserve(key: string, gatewayId: string, max: number): Promise<number>;
  relayboxConnectionRelease(key: string, gatewayId: string): Promise<number>;
  relayboxConnectionDropGateway(key: string, gatewayId: string): Promise<number>;
}

/** Apps whose reservations `releaseGateway` drops per step. */
const SWEEP_BATCH = 100;

/**
 * `ConnectionQuota` on Redis. Per app, a hash `conn:{<appId>}` (gatewayId → count): a reservation is
 * one script on that one key (O(gateways holding the app)). Per gateway, the set of apps it
 * reserved in (`conn:gw:{<gatewayId>}`, written before the reservation, so a crash in between leaves
 * at most an app with nothing to drop) and the set of gateways (`conn:gateways`) for the sweep.
 *
 * Redis Cluster: every script touches one key; the indexes are separate commands.
 */
export class RedisConnectionQuota implements ConnectionQuota {
  private readonly redis: RedisClient & QuotaCommands;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly fail = storeFailure('connection quota');
  private closed = false;

  constructor(options: RedisStateOptions) {
    const { redis, ownsClient } = openStateClient(options);
    defineScripts(redis, SCRIPTS);
    this.redis = redis as RedisClient & QuotaCommands;
    this.ownsClient = ownsClient;
    this.prefix = options.prefix ?? 'rb:';
  }

  async reserve(appId: string, gatewayId: string, max: number): Promise<boolean> {
    this.assertOpen();
    // Two keys in different slots: two commands (idempotent), before the reservation they index.
    await Promise.all([
      this.redis.sadd(this.gatewaysKey(), gatewayId),
      this.redis.sadd(this.gatewayKey(gatewayId), appId),
    ]).catch(this.fail);
    const reserved = await this.redis
      .relayboxConnectionReserve(this.appKey(appId), gatewayId, max)
      .catch(this.fail);
    return reserved === 1;
  }

  async release(appId: string, gatewayId: string): Promise<void> {
    this.assertOpen();
    await this.redis.relayboxConnectionRelease(this.appKey(appId), gatewayId).catch(this.fail);
  }

  async count(appId: string): Promise<number> {
    this.assertOpen();
    const counts = await this.redis.hvals(this.appKey(appId)).catch(this.fail);
    return (counts as string[]).reduce((sum, n) => sum + Number(n), 0);
  }

  async releaseGateway(gatewayId: string): Promise<number> {
    this.assertOpen();
    const index = this.gatewayKey(gatewayId);
    let dropped = 0;
    for (;;) {
      const apps = await this.redis.srandmember(index, SWEEP_BATCH).catch(this.fail);
      if (apps.length === 0) break;
      for (const appId of apps) {
        dropped += await this.redis
          .relayboxConnectionDropGateway(this.appKey(appId), gatewayId)
          .catch(this.fail);
      }
      await this.redis.srem(index, ...apps).catch(this.fail);
    }
    await this.redis.srem(this.gatewaysKey(), gatewayId).catch(this.fail);
    return dropped;
  }

  async gateways(): Promise<string[]> {
    this.assertOpen();
    return this.redis.smembers(this.gatewaysKey()).catch(this.fail);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeStateClient(this.redis, this.ownsClient);
  }

  private appKey(appId: string): string {
    return `${this.prefix}conn:{${appId}}`;
  }

  private gatewayKey(gatewayId: string): string {
    return `${this.prefix}conn:gw:{${gatewayId}}`;
  }

  private gatewaysKey(): string {
    return `${this.prefix}conn:gateways`;
  }

  private assertOpen(): void {
    if (this.closed) throw closedStore('connection quota');
  }
}
