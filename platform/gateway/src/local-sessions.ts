import { CloseCode } from '@relaybox/protocol';
import type { ClientSession } from './client-session.js';

/**
 * The open sessions of this gateway, and what is done to all of them at once: closing those of a
 * revoked key or user, dropping everyone (shutdown, lost liveness), disconnecting slow consumers.
 * Each close goes through the transport, so the WebSocket route's close handler removes the session.
 */
export class LocalSessions implements Iterable<ClientSession> {
  private readonly sessions = new Set<ClientSession>();

  get size(): number {
    return this.sessions.size;
  }

  [Symbol.iterator](): Iterator<ClientSession> {
    return this.sessions[Symbol.iterator]();
  }

  add(session: ClientSession): void {
    this.sessions.add(session);
  }

  /** False when the session was not (or no longer) open here. */
  delete(session: ClientSession): boolean {
    return this.sessions.delete(session);
  }

  /**
   * Closes (4100, no reconnect) the connections authenticated by a revoked key, or by any key of a
   * deleted app when `keyId` is undefined. Returns how many were closed.
   */
  closeOfKey(appId: string, keyId: string | undefined, reason: string): number {
    let closed = 0;
    for (const session of [...this.sessions]) {
      if (session.appId !== appId || (keyId !== undefined && session.keyId !== keyId)) continue;
      session.transport.close(CloseCode.Unauthorized, reason);
      closed++;
    }
    return closed;
  }

  /**
   * Closes (4100, no reconnect) the connections of a signed-in user whose sessions were revoked:
   * those opened with a token of one of `sessions`, or all of the user's. Returns how many.
   */
  closeOfUser(appId: string, userId: string, sessions: string[] | 'all'): number {
    let closed = 0;
    for (const session of [...this.sessions]) {
      const auth = session.authSession;
      if (session.appId !== appId || auth?.userId !== userId) continue;
      if (sessions !== 'all' && !sessions.includes(auth.sessionId)) continue;
      session.transport.close(CloseCode.Unauthorized, 'user session revoked');
      closed++;
    }
    return closed;
  }

  /** Closes every connection with 4000: its client reconnects (to another gateway) and resumes. */
  dropAll(reason: string): void {
    for (const session of [...this.sessions]) session.transport.close(CloseCode.ServerShutdown, reason);
  }

  /** Disconnects clients that stopped reading once their unsent bytes pass `bound`. */
  closeSlowConsumers(bound: number): void {
    for (const session of this.sessions) {
      // Only room subscriptions can push unbounded traffic; replies are checked as they are sent.
      if (session.subscriptions > 0 && session.transport.bufferedAmount >= bound) {
        session.transport.close(CloseCode.SlowConsumer, 'slow consumer: too many unsent bytes');
      }
    }
  }

  /** The distinct (appId, keyId) pairs the open connections were authenticated with. */
  openKeys(): Array<{ appId: string; keyId: string }> {
    const keys = new Map<string, { appId: string; keyId: string }>();
    for (const { appId, keyId } of this.sessions) {
      // Auth-service tokens ($auth) and identity providers (idp.*) are not API keys of the key store.
      if (keyId.startsWith('$') || keyId.startsWith('idp.')) continue;
      keys.set(`${appId}\u0000${keyId}`, { appId, keyId });
    }
    return [...keys.values()];
  }
}
