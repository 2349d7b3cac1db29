import { MemoryRoomMetricsState, MemoryRoomMetricsStore } from '@relaybox/adapters';
import type { RoomMetrics, RoomMetricsStore, RoomSample } from '@relaybox/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  RoomMetricsAggregator,
  type RoomMetricsAggregatorOptions,
  type RoomMetricsUpdate,
} from './room-metrics.js';

const APP = 'app-1';
const TTL_MS = 3000;

/** The memory store of one gateway, recording what the aggregator asks of it; `down` makes it fail. */
class RecordingStore implements RoomMetricsStore {
  readonly flushes: { samples: RoomSample[]; intervalMs: number }[] = [];
  readonly reads: string[] = [];
  down = false;
  private readonly inner: MemoryRoomMetricsStore;

  constructor(state: MemoryRoomMetricsState) {
    this.inner = new MemoryRoomMetricsStore({ state, ttlMs: TTL_MS, clock: () => Date.now() });
  }

  flush(gatewayId: string, samples: readonly RoomSample[], intervalMs: number): Promise<void> {
    if (this.down) return Promise.reject(new Error('store down'));
    this.flushes.push({ samples: [...samples], intervalMs });
    return this.inner.flush(gatewayId, samples, intervalMs);
  }

  read(appId: string, room: string): Promise<RoomMetrics> {
    if (this.down) return Promise.reject(new Error('store down'));
    this.reads.push(`${appId}/${room}`);
    return this.inner.read(appId, room);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('RoomMetricsAggregator', () => {
  let state: MemoryRoomMetricsState;
  let running: RoomMetricsAggregator[];

  beforeEach(() => {
    vi.useFakeTimers();
    state = new MemoryRoomMetricsState();
    running = [];
  });

  afterEach(async () => {
    await Promise.all(running.map((a) => a.stop()));
    vi.useRealTimers();
  });

  const gateway = (gatewayId: string, options: Partial<RoomMetricsAggregatorOptions> = {}) => {
    const store = new RecordingStore(state);
    const aggregator = new RoomMetricsAggregator({ gatewayId, store, ...options });
    aggregator.start();
    running.push(aggregator);
    return { aggregator, store };
  };

  /** Collects what a listener receives. */
  const listen = (aggregator: RoomMetricsAggregator, room: string) => {
    const received: RoomMetricsUpdate[] = [];
    const off = aggregator.subscribe(APP, room, (m) => received.push(m));
    return { received, off };
  };

  it('pushes per-second rates and the current counts', async () => {
    const { aggregator } = gateway('gw-a');
    const { received } = listen(aggregator, 'chat');
    aggregator.setSubscribers(APP, 'chat', 3);
    aggregator.setConnections(APP, 'chat', 4);
    for (let i = 0; i < 5; i++) {
      aggregator.recordPublish(APP, 'chat', 100);
      aggregator.recordDelivery(APP, 'chat', 3, 100);
    }
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toEqual([
      {
        room: 'chat',
        connections: 4,
        subscribers: 3,
        messagesInPerSecond: 5,
        messagesOutPerSecond: 15,
        bytesInPerSecond: 500,
        bytesOutPerSecond: 1500,
        timestamp: Date.now(),
      },
    ]);
    // A quiet second: rates fall to 0, the counts stay.
    await vi.advanceTimersByTimeAsync(1000);
    expect(received[1]).toMatchObject({
      subscribers: 3,
      connections: 4,
      messagesInPerSecond: 0,
      bytesOutPerSecond: 0,
    });
  });

  it('pushes each room at most once per second, with one read per room whatever its listeners', async () => {
    const { aggregator, store } = gateway('gw-a');
    const first = listen(aggregator, 'chat');
    const second = listen(aggregator, 'chat');
    const other = listen(aggregator, 'news');
    const pushedAt: number[] = [];
    aggregator.subscribe(APP, 'chat', () => pushedAt.push(Date.now()));
    for (let t = 0; t < 5000; t += 100) {
      aggregator.recordPublish(APP, 'chat', 10);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(first.received).toHaveLength(5);
    expect(second.received).toHaveLength(5);
    expect(other.received).toHaveLength(5);
    expect(store.reads.filter((r) => r === `${APP}/chat`)).toHaveLength(5);
    expect(store.reads).toHaveLength(10);
    for (let i = 1; i < pushedAt.length; i++)
      expect(pushedAt[i]! - pushedAt[i - 1]!).toBeGreaterThanOrEqual(1000);
    expect(first.received[4]).toMatchObject({ messagesInPerSecond: 10 });
  });

  it('reads nothing for rooms nobody watches here, and stops reading once the last listener left', async () => {
    const { aggregator, store } = gateway('gw-a');
    aggregator.setSubscribers(APP, 'chat', 2);
    aggregator.recordPublish(APP, 'chat', 10);
    await vi.advanceTimersByTimeAsync(3000);
    expect(store.reads).toEqual([]);
    expect(store.flushes.length).toBe(3);

    const { received, off } = listen(aggregator, 'chat');
    await vi.advanceTimersByTimeAsync(1000);
    expect(received).toHaveLength(1);
    off();
    expect(aggregator.watchedRooms).toBe(0);
    await vi.advanceTimersByTimeAsync(3000);
    expect(received).toHaveLength(1);
    expect(store.reads).toHaveLength(1);
  });

  it('sums the counts of two gateways sharing a store', async () => {
    const a = gateway('gw-a');
    const b = gateway('gw-b');
    const { received } = listen(a.aggregator, 'chat');
    a.aggregator.setSubscribers(APP, 'chat', 2);
    a.aggregator.addConnections(APP, 'chat', 3);
    b.aggregator.setSubscribers(APP, 'chat', 5);
    b.aggregator.addConnections(APP, 'chat', 1);
    for (let i = 0; i < 4; i++) b.aggregator.recordPublish(APP, 'chat', 25);
    b.aggregator.recordDelivery(APP, 'chat', 5, 25);
    await vi.advanceTimersByTimeAsync(1000);
    // Both flush on the same tick; a's read may come before or after b's flush, so b's figures of its
    // first second reach a's listeners within two pushes.
    await vi.advanceTimersByTimeAsync(1000);
    const full = { subscribers: 7, connections: 4, messagesInPerSecond: 4, messagesOutPerSecond: 5 };
    expect(received.slice(0, 2)).toContainEqual(expect.objectContaining({ ...full, bytesOutPerSecond: 125 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(received.at(-1)).toMatchObject({ subscribers: 7, connections: 4, messagesInPerSecond: 0 });
  });

  it("drops a gateway's counts within the ttl once it stops reporting, and at once when it stops", async () => {
    const a = gateway('gw-a');
    const b = gateway('gw-b');
    const c = gateway('gw-c');
    const { received } = listen(a.aggregator, 'chat');
    a.aggregator.setSubscribers(APP, 'chat', 1);
    b.aggregator.setSubscribers(APP, 'chat', 10);
    c.aggregator.setSubscribers(APP, 'chat', 100);
    await vi.advanceTimersByTimeAsync(2000);
    expect(received.at(-1)?.subscribers).toBe(111);

    await c.aggregator.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(received.at(-1)?.subscribers).toBe(11);

    b.store.down = true; // b is cut off (crashed): its last figures go stale
    await vi.advanceTimersByTimeAsync(TTL_MS - 1000);
    expect(received.at(-1)?.subscribers).toBe(11);
    await vi.advanceTimersByTimeAsync(2000);
    expect(received.at(-1)?.subscribers).toBe(1);
  });

  it('sends one removal for a room that went quiet, then leaves it out of the flushes', async () => {
    const { aggregator, store } = gateway('gw-a');
    aggregator.setSubscribers(APP, 'chat', 1);
    aggregator.recordPublish(APP, 'chat', 10);
    await vi.advanceTimersByTimeAsync(1000);
    aggregator.setSubscribers(APP, 'chat', 0);
    await vi.advanceTimersByTimeAsync(3000);
    const chatSamples = store.flushes.flatMap((f) => f.samples.filter((s) => s.room === 'chat'));
    expect(chatSamples).toHaveLength(2);
    expect(chatSamples[1]).toMatchObject({ messagesIn: 0, subscribers: 0, connections: 0 });
    expect(store.flushes).toHaveLength(2);
    expect(state.rooms.size).toBe(0);
  });

  it('adds presence members when given countPresence', async () => {
    const counted: string[] = [];
    const { aggregator } = gateway('gw-a', {
      countPresence: async (appId, room) => {
        counted.push(`${appId}/${room}`);
        return 7;
      },
    });
    const first = listen(aggregator, 'chat');
    listen(aggregator, 'chat');
    await vi.advanceTimersByTimeAsync(1000);
    expect(first.received[0]).toMatchObject({ room: 'chat', presenceMembers: 7 });
    expect(counted).toEqual([`${APP}/chat`]);
  });

  it('reports store failures and listener errors, and carries on', async () => {
    const errors: string[] = [];
    const { aggregator, store } = gateway('gw-a', { onError: (operation) => errors.push(operation) });
    aggregator.subscribe(APP, 'chat', () => {
      throw new Error('listener bug');
    });
    const { received } = listen(aggregator, 'chat');
    aggregator.setSubscribers(APP, 'chat', 1);
    store.down = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual(['flush', 'read']);
    expect(received).toHaveLength(0);
    store.down = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual(['flush', 'read', 'listener']);
    expect(received).toHaveLength(1);
  });

  it('measures the interval, so a late flush still reports per-second rates', async () => {
    const { aggregator, store } = gateway('gw-a', { intervalMs: 2000 });
    for (let i = 0; i < 10; i++) aggregator.recordPublish(APP, 'chat', 1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.flushes[0]?.intervalMs).toBe(2000);
    const { received } = listen(aggregator, 'chat');
    aggregator.setSubscribers(APP, 'chat', 1);
    for (let i = 0; i < 10; i++) aggregator.recordPublish(APP, 'chat', 1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(received[0]).toMatchObject({ messagesInPerSecond: 5 });
  });

  it('clears its timer on stop and does nothing afterwards', async () => {
    const { aggregator, store } = gateway('gw-a');
    const { received } = listen(aggregator, 'chat');
    aggregator.setSubscribers(APP, 'chat', 1);
    await vi.advanceTimersByTimeAsync(1000);
    await aggregator.stop();
    expect(vi.getTimerCount()).toBe(0);
    const flushes = store.flushes.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(store.flushes).toHaveLength(flushes);
    expect(received).toHaveLength(1);
    expect(state.rooms.size).toBe(0);
  });
});
