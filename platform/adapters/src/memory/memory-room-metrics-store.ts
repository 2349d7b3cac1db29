import {
  isEmptySample,
  type RoomFigures,
  type RoomMetrics,
  type RoomMetricsStore,
  type RoomSample,
  sampleFigures,
  sumRoomFigures,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** Figures of one process, shareable between stores to model several gateways: `<appId>:<room>` → gateway → figures. */
export class MemoryRoomMetricsState {
  readonly rooms = new Map<string, Map<string, RoomFigures>>();

  clear(): void {
    this.rooms.clear();
  }
}

export interface MemoryRoomMetricsStoreOptions {
  /** Share one state between stores to model several gateways in one process. Default: a private one. */
  state?: MemoryRoomMetricsState;
  /** A gateway's figures are fresh this long after their flush, in ms. Default 3000. */
  ttlMs?: number;
  /** Stale figures of every room are deleted on every n-th flush of this store. Default 10. */
  sweepEvery?: number;
  /** Stamps flushes and reads. Default Date.now. */
  clock?: () => number;
}

/**
 * `RoomMetricsStore` for one process. A flush is O(samples); every `sweepEvery`-th flush also walks
 * the rooms once to delete stale figures (so a gateway that vanished without its final flush does not
 * leave entries forever), which amortizes to O(rooms / sweepEvery) per flush.
 */
export class MemoryRoomMetricsStore implements RoomMetricsStore {
  private readonly state: MemoryRoomMetricsState;
  private readonly ttlMs: number;
  private readonly sweepEvery: number;
  private readonly clock: () => number;
  private flushes = 0;
  private closed = false;

  constructor(options: MemoryRoomMetricsStoreOptions = {}) {
    this.state = options.state ?? new MemoryRoomMetricsState();
    this.ttlMs = options.ttlMs ?? 3000;
    this.sweepEvery = Math.max(1, options.sweepEvery ?? 10);
    this.clock = options.clock ?? Date.now;
  }

  flush(gatewayId: string, samples: readonly RoomSample[], intervalMs: number): Promise<void> {
    if (this.closed) return Promise.reject(closed());
    const now = this.clock();
    const { rooms } = this.state;
    for (const sample of samples) {
      const key = `${sample.appId}:${sample.room}`;
      let gateways = rooms.get(key);
      if (isEmptySample(sample)) {
        if (gateways?.delete(gatewayId) && gateways.size === 0) rooms.delete(key);
        continue;
      }
      if (!gateways) {
        gateways = new Map();
        rooms.set(key, gateways);
      }
      gateways.set(gatewayId, sampleFigures(sample, intervalMs, now));
    }
    if (++this.flushes % this.sweepEvery === 0) this.sweep(now);
    return Promise.resolve();
  }

  read(appId: string, room: string): Promise<RoomMetrics> {
    if (this.closed) return Promise.reject(closed());
    const gateways = this.state.rooms.get(`${appId}:${room}`);
    return Promise.resolve(sumRoomFigures(room, gateways?.values() ?? [], this.clock(), this.ttlMs));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private sweep(now: number): void {
    for (const [key, gateways] of this.state.rooms) {
      for (const [gatewayId, figures] of gateways) {
        if (now - figures.flushedAt >= this.ttlMs) gateways.delete(gatewayId);
      }
      if (gateways.size === 0) this.state.rooms.delete(key);
    }
  }
}

function closed(): RelayBoxError {
  return new RelayBoxError(ErrorCode.StoreUnavailable, 'room metrics store is closed');
}
