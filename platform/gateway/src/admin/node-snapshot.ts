import type { ConnectionSnapshot, InspectorStore, NodeSnapshot } from '@relaybox/core';
import type { AdminConnectionAuth } from '@relaybox/protocol';
import type { Principal } from '../auth/principal.js';
import type { ClientSession } from '../client-session.js';
import type { LocalRoom } from '../hub.js';
import { slowReaderOf } from '../slow-reader.js';
import { CountingTransport } from './counting-transport.js';
import { permissionLayers } from './explainer.js';

/** Connections listed per gateway snapshot at most (~250 bytes each); `connectionCount` stays exact. */
export const MAX_SNAPSHOT_CONNECTIONS = 20_000;

export interface SnapshotSource {
  nodeId: string;
  startedAt: number;
  sessions(): Iterable<ClientSession>;
  connectionCount(): number;
  localRooms(): LocalRoom[];
  /** Every message of a room (or presence channel) reaching this node, until the return is called. */
  tapRoom(appId: string, room: string, tap: (payload: string) => void): () => void;
}

/** This gateway's connections and room subscriber counts as the inspector shows them: O(connections). */
export function buildNodeSnapshot(
  source: SnapshotSource,
  maxConnections = MAX_SNAPSHOT_CONNECTIONS,
): NodeSnapshot {
  const connections: ConnectionSnapshot[] = [];
  for (const session of source.sessions()) {
    if (connections.length >= maxConnections) break;
    const out = session.transport instanceof CountingTransport ? session.transport : undefined;
    const slowRead = slowReaderOf(session.transport)?.readBytesPerSec;
    connections.push({
      appId: session.appId,
      clientId: session.clientId,
      connectionId: session.connectionId,
      gateway: source.nodeId,
      rooms: session.roomNames,
      connectedAt: session.connectedAt,
      messagesIn: session.messagesIn,
      messagesOut: out?.messagesOut ?? 0,
      bytesIn: session.bytesIn,
      bytesOut: out?.bytesOut ?? 0,
      auth: connectionAuth(session.authenticated),
      ...(session.address ? { address: session.address } : {}),
      ...(slowRead === undefined ? {} : { slowReadBytesPerSec: slowRead }),
    });
  }
  return {
    nodeId: source.nodeId,
    startedAt: source.startedAt,
    lastSeen: Date.now(),
    connectionCount: source.connectionCount(),
    connections,
    rooms: source.localRooms(),
  };
}

function connectionAuth(principal: Principal): AdminConnectionAuth {
  const { keyId, via, expiresAt } = principal;
  return { keyId, via, layers: permissionLayers(principal), ...(expiresAt ? { expiresAt } : {}) };
}

export interface SnapshotWriterOptions {
  /** Default 1000: the views' counters are at most this old. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Writes this gateway's snapshot to the shared `InspectorStore` once per interval (never more: a
 * write still running skips the next tick), and removes it on stop.
 */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly store: InspectorStore,
    private readonly build: () => NodeSnapshot,
    private readonly options: SnapshotWriterOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(nodeId: string): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.store.remove(nodeId).catch(() => {});
  }

  private tick(): Promise<void> {
    if (this.writing) return this.writing;
    this.writing = this.store
      .write(this.build())
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }
}
