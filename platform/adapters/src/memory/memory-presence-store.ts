import type {
  PresenceChange,
  PresenceEntry,
  PresenceMember,
  PresenceRemoval,
  PresenceStore,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

interface StoredMember {
  clientId: string;
  /** Data kept serialized, so callers never share objects with the store (as with Redis). */
  json: string;
  user?: PresenceEntry['user'];
  enteredAt: number;
  updatedAt: number;
}

interface Connection {
  appId: string;
  connectionId: string;
  gatewayId: string;
  rooms: Set<string>;
}

/**
 * The presence of one process, shareable between stores to model several gateways. Keys are
 * `<appId>:<room>` and `<appId>:<connectionId>`: the appId has no `:`, so they are unambiguous.
 */
export class MemoryPresenceState {
  readonly rooms = new Map<string, Map<string, StoredMember>>();
  readonly connections = new Map<string, Connection>();
  /** gatewayId → keys of its connections. */
  readonly gateways = new Map<string, Set<string>>();

  clear(): void {
    this.rooms.clear();
    this.connections.clear();
    this.gateways.clear();
  }
}

export interface MemoryPresenceStoreOptions {
  /** Share one state between stores to model several gateways in one process. Default: a private one. */
  state?: MemoryPresenceState;
  /** Stamps enteredAt/updatedAt. Default Date.now. */
  clock?: () => number;
}

/**
 * `PresenceStore` for one process. Every call runs synchronously before its promise is created, so
 * each is atomic and calls take effect in call order; removals happen in one step (no batches needed).
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly state: MemoryPresenceState;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: MemoryPresenceStoreOptions = {}) {
    this.state = options.state ?? new MemoryPresenceState();
    this.clock = options.clock ?? Date.now;
  }

  enter(appId: string, room: string, entry: PresenceEntry, gatewayId: string): Promise<PresenceChange> {
    return this.run(() => this.set(appId, room, entry, gatewayId, false) as PresenceChange);
  }

  update(
    appId: string,
    room: string,
    entry: PresenceEntry,
    gatewayId: string,
  ): Promise<PresenceChange | null> {
    return this.run(() => this.set(appId, room, entry, gatewayId, true));
  }

  leave(appId: string, room: string, connectionId: string): Promise<PresenceChange | null> {
    return this.run(() => {
      const removed = this.removeMembership(appId, room, connectionId);
      if (!removed) return null;
      const connection = this.state.connections.get(`${appId}:${connectionId}`);
      if (connection?.rooms.size === 0) this.release(connection);
      return { action: 'leave', member: removed };
    });
  }

  members(appId: string, room: string): Promise<PresenceMember[]> {
    return this.run(() => {
      const members = this.state.rooms.get(`${appId}:${room}`);
      return members ? [...members].map(([connectionId, m]) => toMember(connectionId, m)) : [];
    });
  }

  count(appId: string, room: string): Promise<number> {
    return this.run(() => this.state.rooms.get(`${appId}:${room}`)?.size ?? 0);
  }

  moveConnection(appId: string, connectionId: string, gatewayId: string): Promise<number> {
    return this.run(() => {
      const connection = this.state.connections.get(`${appId}:${connectionId}`);
      if (!connection) return 0;
      this.own(connection, gatewayId);
      return connection.rooms.size;
    });
  }

  removeConnection(
    appId: string,
    connectionId: string,
    options: { onlyIfGateway?: string } = {},
  ): Promise<PresenceRemoval[]> {
    return this.run(() => {
      const connection = this.state.connections.get(`${appId}:${connectionId}`);
      if (!connection) return [];
      if (options.onlyIfGateway !== undefined && connection.gatewayId !== options.onlyIfGateway) return [];
      return this.removeAll(connection);
    });
  }

  removeGateway(gatewayId: string): Promise<PresenceRemoval[]> {
    return this.run(() => {
      const keys = this.state.gateways.get(gatewayId);
      if (!keys) return [];
      const removed: PresenceRemoval[] = [];
      for (const key of [...keys]) {
        const connection = this.state.connections.get(key);
        if (connection) removed.push(...this.removeAll(connection));
      }
      this.state.gateways.delete(gatewayId);
      return removed;
    });
  }

  gateways(): Promise<string[]> {
    return this.run(() => [...this.state.gateways.keys()]);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private run<T>(operation: () => T): Promise<T> {
    if (this.closed)
      return Promise.reject(new RelayBoxError(ErrorCode.StoreUnavailable, 'presence store is closed'));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private set(
    appId: string,
    room: string,
    entry: PresenceEntry,
    gatewayId: string,
    updateOnly: boolean,
  ): PresenceChange | null {
    const roomKey = `${appId}:${room}`;
    const existing = this.state.rooms.get(roomKey)?.get(entry.connectionId);
    if (!existing && updateOnly) return null;
    const now = Math.trunc(this.clock());
    const stored: StoredMember = {
      clientId: entry.clientId,
      json: JSON.stringify(entry.data ?? null) ?? 'null',
      ...(entry.user ? { user: { ...entry.user } } : {}),
      enteredAt: existing?.enteredAt ?? now,
      updatedAt: now,
    };
    let members = this.state.rooms.get(roomKey);
    if (!members) {
      members = new Map();
      this.state.rooms.set(roomKey, members);
    }
    members.set(entry.connectionId, stored);

    const connectionKey = `${appId}:${entry.connectionId}`;
    let connection = this.state.connections.get(connectionKey);
    if (!connection) {
      connection = { appId, connectionId: entry.connectionId, gatewayId: '', rooms: new Set() };
      this.state.connections.set(connectionKey, connection);
    }
    connection.rooms.add(room);
    this.own(connection, gatewayId);
    return { action: existing ? 'update' : 'enter', member: toMember(entry.connectionId, stored) };
  }

  /** Moves the connection into the gateway's index. */
  private own(connection: Connection, gatewayId: string): void {
    if (connection.gatewayId === gatewayId) return;
    const key = `${connection.appId}:${connection.connectionId}`;
    this.unindex(connection.gatewayId, key);
    connection.gatewayId = gatewayId;
    let keys = this.state.gateways.get(gatewayId);
    if (!keys) {
      keys = new Set();
      this.state.gateways.set(gatewayId, keys);
    }
    keys.add(key);
  }

  private unindex(gatewayId: string, key: string): void {
    const keys = this.state.gateways.get(gatewayId);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.state.gateways.delete(gatewayId);
  }

  private release(connection: Connection): void {
    const key = `${connection.appId}:${connection.connectionId}`;
    this.state.connections.delete(key);
    this.unindex(connection.gatewayId, key);
  }

  private removeMembership(appId: string, room: string, connectionId: string): PresenceMember | undefined {
    const roomKey = `${appId}:${room}`;
    const members = this.state.rooms.get(roomKey);
    const stored = members?.get(connectionId);
    if (!members || !stored) return undefined;
    members.delete(connectionId);
    if (members.size === 0) this.state.rooms.delete(roomKey);
    this.state.connections.get(`${appId}:${connectionId}`)?.rooms.delete(room);
    return toMember(connectionId, stored);
  }

  private removeAll(connection: Connection): PresenceRemoval[] {
    const removed: PresenceRemoval[] = [];
    for (const room of [...connection.rooms]) {
      const member = this.removeMembership(connection.appId, room, connection.connectionId);
      if (member) removed.push({ appId: connection.appId, room, member });
    }
    this.release(connection);
    return removed;
  }
}

function toMember(connectionId: string, stored: StoredMember): PresenceMember {
  return {
    clientId: stored.clientId,
    connectionId,
    data: JSON.parse(stored.json) as unknown,
    enteredAt: stored.enteredAt,
    updatedAt: stored.updatedAt,
    ...(stored.user ? { user: { ...stored.user } } : {}),
  };
}
