import type { InspectorStore, NodeSnapshot } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** Snapshots shared by every `MemoryInspectorStore` of one state (several gateways in one process). */
export class MemoryInspectorState {
  readonly nodes = new Map<string, { snapshot: NodeSnapshot; writtenAt: number }>();

  clear(): void {
    this.nodes.clear();
  }
}

export interface MemoryInspectorStoreOptions {
  state?: MemoryInspectorState;
  /** A snapshot is fresh this long after its write, in ms. Default 3000. */
  ttlMs?: number;
  clock?: () => number;
}

/** `InspectorStore` in memory: a map of nodeId → latest snapshot; stale entries are dropped on read. */
export class MemoryInspectorStore implements InspectorStore {
  private readonly state: MemoryInspectorState;
  private readonly ttlMs: number;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: MemoryInspectorStoreOptions = {}) {
    this.state = options.state ?? new MemoryInspectorState();
    this.ttlMs = options.ttlMs ?? 3000;
    this.clock = options.clock ?? Date.now;
  }

  async write(snapshot: NodeSnapshot): Promise<void> {
    this.check();
    // Stored as a copy: later changes by the writer do not leak into what readers see.
    this.state.nodes.set(snapshot.nodeId, { snapshot: structuredClone(snapshot), writtenAt: this.clock() });
  }

  async remove(nodeId: string): Promise<void> {
    this.check();
    this.state.nodes.delete(nodeId);
  }

  async readAll(): Promise<NodeSnapshot[]> {
    this.check();
    const now = this.clock();
    const fresh: NodeSnapshot[] = [];
    for (const [nodeId, entry] of this.state.nodes) {
      if (now - entry.writtenAt >= this.ttlMs) this.state.nodes.delete(nodeId);
      else fresh.push(structuredClone(entry.snapshot));
    }
    return fresh.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new RelayBoxError(ErrorCode.StoreUnavailable, 'inspector store is closed');
  }
}
