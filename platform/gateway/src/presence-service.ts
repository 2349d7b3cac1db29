import type {
  Broker,
  PresenceChange,
  PresenceEntry,
  PresenceMember,
  PresenceRemoval,
  PresenceStore,
  PresenceUser,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { Logger } from './logger.js';

/** The broker "room" carrying a room's presence events: `|` cannot occur in room names. */
export function presenceChannel(room: string): string {
  return `${room}|presence`;
}

export type PresenceListener = (appId: string, room: string, change: PresenceChange) => void;

/**
 * Presence of the gateway: validates and stores changes, and broadcasts exactly one `presence`
 * frame per real change through the broker (so every gateway's presence subscribers get it), in
 * the order the store applied them.
 */
export class PresenceService {
  private readonly listeners: PresenceListener[] = [];

  constructor(
    private readonly store: PresenceStore,
    private readonly broker: Broker,
    private readonly gatewayId: string,
    private readonly maxDataBytes: number,
    private readonly log: Logger,
  ) {}

  /** Observers of every change this gateway broadcasts (webhooks, metrics). */
  onChange(listener: PresenceListener): void {
    this.listeners.push(listener);
  }

  /** `user`: the connection's server-vouched identity (from its token), stored with the member. */
  enter(
    appId: string,
    room: string,
    clientId: string,
    connectionId: string,
    data: unknown,
    user?: PresenceUser,
  ): Promise<void> {
    return this.change('enter', appId, room, { clientId, connectionId, data, ...(user ? { user } : {}) });
  }

  update(
    appId: string,
    room: string,
    clientId: string,
    connectionId: string,
    data: unknown,
    user?: PresenceUser,
  ): Promise<void> {
    return this.change('update', appId, room, { clientId, connectionId, data, ...(user ? { user } : {}) });
  }

  private async change(
    action: 'enter' | 'update',
    appId: string,
    room: string,
    entry: PresenceEntry,
  ): Promise<void> {
    this.checkSize(entry.data);
    const stored = { ...entry, data: entry.data ?? null };
    const change = await this.store[action](appId, room, stored, this.gatewayId);
    if (!change)
      throw new RelayBoxError(ErrorCode.InvalidRequest, `enter the presence of "${room}" before updating it`);
    await this.broadcast(appId, room, change);
  }

  async leave(appId: string, room: string, connectionId: string): Promise<void> {
    const change = await this.store.leave(appId, room, connectionId);
    if (change) await this.broadcast(appId, room, change);
  }

  members(appId: string, room: string): Promise<PresenceMember[]> {
    return this.store.members(appId, room);
  }

  /** Removes a connection that left for good (or whose grace ran out) and broadcasts its leaves. */
  async removeConnection(appId: string, connectionId: string, onlyIfOwned: boolean): Promise<void> {
    const removed = await this.store.removeConnection(
      appId,
      connectionId,
      onlyIfOwned ? { onlyIfGateway: this.gatewayId } : {},
    );
    await this.broadcastRemovals(removed);
  }

  /** Keeps a resumed connection's memberships without any event. */
  adopt(appId: string, connectionId: string): Promise<number> {
    return this.store.moveConnection(appId, connectionId, this.gatewayId);
  }

  async removeGateway(deadGatewayId: string): Promise<number> {
    const removed = await this.store.removeGateway(deadGatewayId);
    await this.broadcastRemovals(removed);
    return removed.length;
  }

  gateways(): Promise<string[]> {
    return this.store.gateways();
  }

  private async broadcastRemovals(removed: PresenceRemoval[]): Promise<void> {
    const results = await Promise.allSettled(
      removed.map((r) => this.broadcast(r.appId, r.room, { action: 'leave', member: r.member })),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.log.warn('presence leave broadcasts failed', { failed, total: removed.length });
  }

  private async broadcast(appId: string, room: string, change: PresenceChange): Promise<void> {
    const payload = JSON.stringify({ type: 'presence', room, action: change.action, member: change.member });
    await this.broker.publish({ appId, room: presenceChannel(room), payload });
    for (const listener of this.listeners) listener(appId, room, change);
  }

  private checkSize(data: unknown): void {
    const bytes = Buffer.byteLength(JSON.stringify(data ?? null));
    if (bytes > this.maxDataBytes) {
      throw new RelayBoxError(
        ErrorCode.PresenceDataTooLarge,
        `presence data of ${bytes} bytes exceeds ${this.maxDataBytes}`,
      );
    }
  }
}
