import type { SequenceStore } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

export interface MemorySequenceStoreOptions {
  /** Share one map between stores to model several gateways in one process. Default: a private map. */
  counters?: Map<string, number>;
}

/** `SequenceStore` for one process: a map of counters, so every call is trivially atomic. */
export class MemorySequenceStore implements SequenceStore {
  private readonly counters: Map<string, number>;
  private closed = false;

  constructor(options: MemorySequenceStoreOptions = {}) {
    this.counters = options.counters ?? new Map();
  }

  next(appId: string, room: string): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    const key = counterKey(appId, room);
    const seq = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, seq);
    return Promise.resolve(seq);
  }

  current(appId: string, room: string): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return Promise.resolve(this.counters.get(counterKey(appId, room)) ?? 0);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** The Redis layout without its prefix and suffix: appId has no `:`, so the pair is unambiguous. */
function counterKey(appId: string, room: string): string {
  return `${appId}:${room}`;
}

function closedError(): RelayBoxError {
  return new RelayBoxError(ErrorCode.StoreUnavailable, 'sequence store is closed');
}
