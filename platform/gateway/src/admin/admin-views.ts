import {
  type ConnectionSnapshot,
  type HistoryStore,
  type InspectorStore,
  type NodeSnapshot,
  type PresenceMember,
  type PresenceStore,
  queryMessages,
  type RoomMetricsStore,
} from '@relaybox/core';
import type { AdminClearHistoryResult, AdminRoom } from '@relaybox/protocol';
import { ErrorCode, RelayBoxError, type RoomMessage, roomNameProblem } from '@relaybox/protocol';
import type { Logger } from '../logger.js';

export interface AdminViewsDeps {
  nodeId: string;
  /** This gateway's snapshot, built now (fresher than the one it last wrote). */
  liveSnapshot(): NodeSnapshot;
  snapshots: InspectorStore;
  presence: PresenceStore;
  history: HistoryStore;
  roomMetrics: RoomMetricsStore;
  tracing: boolean;
  /** Apps this gateway knows of (apps file, dev key). */
  apps: readonly string[];
  maxRoomNameLength: number;
  log: Logger;
}

export type RoomInfo = AdminRoom;

/** Rooms listed by `GET /v1/admin/rooms` at most (each costs three store reads). */
export const MAX_LISTED_ROOMS = 500;
const MAX_CONNECTIONS_LIMIT = 50_000;
const RECENT_MESSAGES = 50;

/** The inspector's cluster-wide views, merged from every live gateway's snapshot. */
export class AdminViews {
  constructor(private readonly deps: AdminViewsDeps) {}

  /** Every live gateway's snapshot, this one's built now; only this one if the store fails. */
  async nodes(): Promise<NodeSnapshot[]> {
    const live = this.deps.liveSnapshot();
    const stored = await this.deps.snapshots.readAll().catch((error: unknown) => {
      this.deps.log.warn('inspector snapshots unavailable', { error: String(error) });
      return [] as NodeSnapshot[];
    });
    return [live, ...stored.filter((s) => s.nodeId !== live.nodeId)].sort((a, b) =>
      a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0,
    );
  }

  async overview() {
    const nodes = await this.nodes();
    const apps = new Set(this.deps.apps);
    for (const node of nodes) for (const c of node.connections) apps.add(c.appId);
    return {
      nodes: nodes.map((n) => ({
        nodeId: n.nodeId,
        connections: n.connectionCount,
        rooms: n.rooms.length,
        startedAt: n.startedAt,
        lastSeen: n.lastSeen,
      })),
      tracing: this.deps.tracing,
      apps: [...apps].sort().map((appId) => ({ appId })),
    };
  }

  async connections(filter: { appId?: string; room?: string; limit?: number }) {
    const limit = clampLimit(filter.limit, 1000, MAX_CONNECTIONS_LIMIT);
    const items: ConnectionSnapshot[] = [];
    let total = 0;
    for (const node of await this.nodes()) {
      for (const c of node.connections) {
        if (filter.appId !== undefined && c.appId !== filter.appId) continue;
        if (filter.room !== undefined && !c.rooms.includes(filter.room)) continue;
        total++;
        if (items.length < limit) items.push(c);
      }
    }
    return { items, total };
  }

  /** The connection as the gateways' snapshots list it (at most 1 s old), or a 404. */
  async findConnection(connectionId: string): Promise<ConnectionSnapshot> {
    for (const node of await this.nodes()) {
      const found = node.connections.find((c) => c.connectionId === connectionId);
      if (found) return found;
    }
    throw new RelayBoxError(ErrorCode.NotFound, `no connection "${connectionId}" on any gateway`);
  }

  async rooms(filter: { appId?: string }): Promise<{ items: RoomInfo[] }> {
    const rooms = new Map<string, { appId: string; room: string; subscribers: number }>();
    const entry = (appId: string, room: string) => {
      const key = `${appId}|${room}`;
      const found = rooms.get(key);
      if (found) return found;
      const created = { appId, room, subscribers: 0 };
      rooms.set(key, created);
      return created;
    };
    for (const node of await this.nodes()) {
      for (const r of node.rooms) {
        if (filter.appId === undefined || r.appId === filter.appId)
          entry(r.appId, r.room).subscribers += r.subscribers;
      }
      for (const c of node.connections) {
        if (filter.appId !== undefined && c.appId !== filter.appId) continue;
        for (const room of c.rooms) entry(c.appId, room);
      }
    }
    const listed = [...rooms.values()]
      .sort((a, b) => b.subscribers - a.subscribers || a.room.localeCompare(b.room))
      .slice(0, MAX_LISTED_ROOMS);
    return { items: await Promise.all(listed.map((r) => this.roomInfo(r.appId, r.room, r.subscribers))) };
  }

  async room(
    appId: string | undefined,
    room: string,
  ): Promise<RoomInfo & { presence: PresenceMember[]; recent: RoomMessage[] }> {
    const app = this.appOf(appId);
    const problem = roomNameProblem(room, this.deps.maxRoomNameLength);
    if (problem) throw new RelayBoxError(ErrorCode.InvalidRoomName, problem);
    let subscribers = 0;
    for (const node of await this.nodes()) {
      for (const r of node.rooms) if (r.appId === app && r.room === room) subscribers += r.subscribers;
    }
    const [info, presence, page] = await Promise.all([
      this.roomInfo(app, room, subscribers),
      this.deps.presence.members(app, room),
      queryMessages(this.deps.history, app, room, { direction: 'backwards', limit: RECENT_MESSAGES }),
    ]);
    return { ...info, presence, recent: page.items.reverse() };
  }

  /** Empties a room's history in the shared store (so for every gateway); its seqs continue. */
  async clearHistory(appId: string | undefined, room: string): Promise<AdminClearHistoryResult> {
    const app = this.appOf(appId);
    const problem = roomNameProblem(room, this.deps.maxRoomNameLength);
    if (problem) throw new RelayBoxError(ErrorCode.InvalidRoomName, problem);
    const { removed } = await this.deps.history.clear(app, room);
    this.deps.log.info('admin: room history cleared', { appId: app, room, removed });
    return { appId: app, room, removed };
  }

  /** The app of a request: the one named, or the only app known when none is. */
  appOf(appId: string | undefined): string {
    if (appId) return appId;
    if (this.deps.apps.length === 1) return this.deps.apps[0] as string;
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      '"appId" is required (this gateway knows several apps)',
    );
  }

  private async roomInfo(appId: string, room: string, subscribers: number): Promise<RoomInfo> {
    const [presenceMembers, metrics, bounds] = await Promise.all([
      this.deps.presence.count(appId, room),
      this.deps.roomMetrics.read(appId, room),
      this.deps.history.bounds(appId, room),
    ]);
    return {
      appId,
      room,
      subscribers,
      presenceMembers,
      messageRate: metrics.messagesInPerSecond,
      lastSeq: bounds.latestSeq,
    };
  }
}

export function clampLimit(raw: number | undefined, fallback: number, max: number): number {
  if (raw === undefined || !Number.isFinite(raw)) return fallback;
  return Math.min(max, Math.max(1, Math.floor(raw)));
}
