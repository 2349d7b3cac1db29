import type { BrokerMessage } from '@relaybox/core';

/** Something a `MemoryBus` delivers to: a `MemoryBroker`. */
export interface MemoryBusEndpoint {
  /** Takes a message synchronously; must not run handlers before returning. */
  enqueue(message: BrokerMessage): void;
}

export interface MemoryBusOptions {
  /** S of `shardOf(appId, room, S)`; every broker on the bus uses it. Default 64. */
  shardCount?: number;
}

/**
 * The in-process stand-in for the RabbitMQ exchange: routes a message of a shard to every endpoint
 * bound to that shard. Share one bus between several `MemoryBroker`s to run several gateways in one
 * process.
 */
export class MemoryBus {
  readonly shardCount: number;
  private readonly bound: Set<MemoryBusEndpoint>[];

  constructor(options: MemoryBusOptions = {}) {
    const shardCount = options.shardCount ?? 64;
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError('shardCount must be >= 1');
    this.shardCount = shardCount;
    this.bound = Array.from({ length: shardCount }, () => new Set<MemoryBusEndpoint>());
  }

  bind(shard: number, endpoint: MemoryBusEndpoint): void {
    this.bound[shard]!.add(endpoint);
  }

  unbind(shard: number, endpoint: MemoryBusEndpoint): void {
    this.bound[shard]!.delete(endpoint);
  }

  route(shard: number, message: BrokerMessage): void {
    for (const endpoint of this.bound[shard]!) endpoint.enqueue(message);
  }
}
