import type { Broker, BrokerMessage, SessionStore } from '@relaybox/core';
import { CloseCode } from '@relaybox/protocol';
import { ADMIN_CONTROL_CHANNEL, ControlSubscription } from './admin/admin-control.js';
import type { Logger } from './logger.js';
import type { Transport } from './transport.js';

/**
 * Sent on the control channel to the gateway a session was taken over from. Addressed by instance id
 * (the id sessions and heartbeats are keyed by); carries no `nodeId`, so `AdminControl` ignores it.
 */
export interface SessionMovedNotice {
  type: 'session-moved';
  /** The gateway that held the sessions (its instance id). */
  gatewayId: string;
  /** At most `MAX_IDS_PER_NOTICE`: the takeovers of one event-loop turn, batched per gateway. */
  connectionIds: string[];
}

/** Takeovers of one turn are sent as one notice per old gateway, in chunks of this many ids. */
export const MAX_IDS_PER_NOTICE = 500;

/** What the takeover needs of a local connection. */
export interface LocalConnection {
  readonly connectionId: string;
  /** Which open of this id on this gateway it is (`SessionLifecycle`). */
  readonly epoch: number;
  readonly transport: Pick<Transport, 'close'>;
}

export interface SessionTakeoverDeps {
  broker: Broker;
  store: Pick<SessionStore, 'get'>;
  /** This gateway's instance id. */
  gatewayId: string;
  connections: () => Iterable<LocalConnection>;
  /** Marks the socket of `epoch` as no longer owning the session: its close cleans nothing up. */
  disown: (connectionId: string, epoch: number) => void;
  log: Logger;
}

const STALE_REASON = 'session resumed on a newer connection';

/**
 * Session takeover (the newest connection wins): a client whose socket died without its gateway
 * noticing (half-open socket, partition, a gateway SIGKILLed but not yet expired) resumes elsewhere,
 * and the store hands the session over (`SessionStore.claim` with a rotated secret). The gateway that
 * lost it may still hold the old socket; this closes it (4005) without cleanup, so nothing of the new
 * owner's state is undone: the store refuses the old gateway's session mutations anyway, and its
 * socket is disowned before it closes so it neither detaches nor makes presence leave.
 *
 * How the old gateway learns (any one suffices):
 * - a takeover on the same gateway closes the older local socket at once;
 * - a takeover elsewhere publishes a `session-moved` notice on the control channel (at most once;
 *   the takeovers of one event-loop turn go as one notice per old gateway: a resume storm sends few);
 * - a session mutation of the stale socket (joining or leaving a room) resolves false: `verify`;
 * - otherwise the stale socket ends by itself (idle timeout), and its close is harmless: the store
 *   refuses its detach, and the presence, adopted by the new owner, is not its to remove.
 * Every path but the same-gateway one re-reads the session before closing (`verify`), so a notice
 * that arrives late, after the client came back here, closes nothing.
 */
export class SessionTakeover {
  private readonly subscription: ControlSubscription;
  /** Old gateway → connection ids taken over from it this turn (a resume storm sends few notices). */
  private outbox = new Map<string, string[]>();

  constructor(private readonly deps: SessionTakeoverDeps) {
    this.subscription = new ControlSubscription(deps.broker, deps.log);
  }

  /** Listens for notices; call once the broker has started. Never rejects. */
  async start(): Promise<void> {
    this.deps.broker.onMessage((message) => this.onMessage(message));
    await this.subscription.start();
  }

  stop(): void {
    this.subscription.stop();
  }

  /** `opened` took its session over from `previousGatewayId` (this gateway or another one). */
  tookOver(opened: LocalConnection, previousGatewayId: string): void {
    const { connectionId } = opened;
    if (previousGatewayId === this.deps.gatewayId) {
      // The older socket's epoch was superseded by the claim: its close cleans nothing up.
      for (const other of [...this.local(connectionId)]) {
        if (other !== opened) other.transport.close(CloseCode.SessionMoved, STALE_REASON);
      }
      return;
    }
    const queued = this.outbox.get(previousGatewayId);
    if (queued) {
      queued.push(connectionId);
      return;
    }
    this.outbox.set(previousGatewayId, [connectionId]);
    if (this.outbox.size === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const outbox = this.outbox;
    this.outbox = new Map();
    for (const [gatewayId, ids] of outbox) {
      for (let start = 0; start < ids.length; start += MAX_IDS_PER_NOTICE) {
        const connectionIds = ids.slice(start, start + MAX_IDS_PER_NOTICE);
        const notice: SessionMovedNotice = { type: 'session-moved', gatewayId, connectionIds };
        this.deps.broker
          .publish({ ...ADMIN_CONTROL_CHANNEL, payload: JSON.stringify(notice) })
          .catch((error) =>
            // Harmless: the old gateway's socket ends by itself or at its next session mutation.
            this.deps.log.warn('session takeover notice not sent', {
              gatewayId,
              connections: connectionIds.length,
              error: String(error),
            }),
          );
      }
    }
  }

  /**
   * The sessions of `connectionIds` may have moved: closes the local sockets of those ids whose
   * session the store says is no longer attached here. Only sockets open before the read are closed,
   * so one opened by a resume here meanwhile is kept. One pass over the local sockets per call.
   */
  async verify(connectionIds: readonly string[]): Promise<number> {
    const wanted = new Set(connectionIds);
    const open = new Map<string, LocalConnection[]>();
    for (const connection of this.deps.connections()) {
      if (!wanted.has(connection.connectionId)) continue;
      const list = open.get(connection.connectionId);
      if (list) list.push(connection);
      else open.set(connection.connectionId, [connection]);
    }
    const checks = [...open].map(async ([connectionId, sockets]) => {
      const session = await this.deps.store.get(connectionId);
      if (session?.state === 'attached' && session.gatewayId === this.deps.gatewayId) return 0;
      for (const connection of sockets) {
        this.deps.disown(connectionId, connection.epoch);
        connection.transport.close(CloseCode.SessionMoved, STALE_REASON);
      }
      return sockets.length;
    });
    const closed = (await Promise.all(checks)).reduce((sum, n) => sum + n, 0);
    if (closed > 0) this.deps.log.info('closed sockets whose session moved', { closed });
    return closed;
  }

  private *local(connectionId: string): Iterable<LocalConnection> {
    for (const connection of this.deps.connections()) {
      if (connection.connectionId === connectionId) yield connection;
    }
  }

  private onMessage(message: BrokerMessage): void {
    if (message.appId !== ADMIN_CONTROL_CHANNEL.appId || message.room !== ADMIN_CONTROL_CHANNEL.room) return;
    let notice: Partial<SessionMovedNotice>;
    try {
      notice = JSON.parse(message.payload) as Partial<SessionMovedNotice>;
    } catch {
      return; // AdminControl logs unreadable commands
    }
    if (notice.type !== 'session-moved' || notice.gatewayId !== this.deps.gatewayId) return;
    const ids = Array.isArray(notice.connectionIds) ? notice.connectionIds : [];
    const valid = ids.slice(0, MAX_IDS_PER_NOTICE).filter((id): id is string => typeof id === 'string');
    this.verify(valid).catch((error: unknown) =>
      this.deps.log.warn('session takeover check failed', { error: String(error) }),
    );
  }
}
