import type { Broker, BrokerMessage } from '@relaybox/core';
import type { Logger } from '../logger.js';

/**
 * The broker channel of user revocations (sign out, sign out everywhere, reuse, admin revoke or
 * disable). `|` cannot occur in app ids or room names, so no client can join or publish on it.
 */
export const USER_REVOCATION_CHANNEL = { appId: '$relaybox', room: 'auth|revocations' } as const;

interface Revocation {
  type: 'user-revoked';
  appId: string;
  userId: string;
  /** Session ids, or 'all' for every connection of the user. */
  sessions: string[] | 'all';
}

/** What it needs of the gateway: close the matching connections (4100), returning how many. */
export type CloseUserConnections = (appId: string, userId: string, sessions: string[] | 'all') => number;

/**
 * Carries a revocation to every gateway of the cluster, the one that revoked included (the broker
 * delivers to the publisher too), which closes the user's connections: the path key revocations
 * take in each gateway (`closeConnections*` with 4100), fanned out by the broker like the inspector's
 * disconnect command. At most once, like every broker message: a gateway cut off from the broker
 * misses it, but its connections still cannot refresh their tokens (the session is revoked in the
 * store) and their access tokens expire within the app's `accessTokenTtlSec`.
 */
export class UserRevocations {
  private joined = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly close: CloseUserConnections,
    private readonly log: Logger,
  ) {}

  /** Subscribes to the channel; call once the broker has started. Retries every second, never rejects. */
  async start(): Promise<void> {
    this.broker.onMessage((message) => this.onMessage(message));
    await this.join();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    if (this.joined) this.broker.unsubscribe(USER_REVOCATION_CHANNEL.appId, USER_REVOCATION_CHANNEL.room);
    this.joined = false;
  }

  /** Closes the local connections at once, and tells every other gateway through the broker. */
  async publish(appId: string, userId: string, sessions: string[] | 'all'): Promise<void> {
    this.closeLocal({ type: 'user-revoked', appId, userId, sessions });
    const payload = JSON.stringify({ type: 'user-revoked', appId, userId, sessions } satisfies Revocation);
    await this.broker.publish({ ...USER_REVOCATION_CHANNEL, payload });
  }

  private async join(): Promise<void> {
    try {
      await this.broker.subscribe(USER_REVOCATION_CHANNEL.appId, USER_REVOCATION_CHANNEL.room);
      if (this.stopped) this.broker.unsubscribe(USER_REVOCATION_CHANNEL.appId, USER_REVOCATION_CHANNEL.room);
      else this.joined = true;
    } catch (error) {
      if (this.stopped) return;
      this.log.warn('user revocations: cannot subscribe, retrying', { error: String(error) });
      this.retry = setTimeout(() => void this.join(), 1000);
    }
  }

  private onMessage(message: BrokerMessage): void {
    if (message.appId !== USER_REVOCATION_CHANNEL.appId || message.room !== USER_REVOCATION_CHANNEL.room)
      return;
    let revocation: Revocation;
    try {
      revocation = JSON.parse(message.payload) as Revocation;
    } catch {
      this.log.warn('user revocations: unreadable message');
      return;
    }
    if (revocation.type !== 'user-revoked' || typeof revocation.appId !== 'string') return;
    this.closeLocal(revocation);
  }

  private closeLocal({ appId, userId, sessions }: Revocation): void {
    const closed = this.close(appId, userId, sessions);
    if (closed > 0) this.log.info('closed connections of a revoked user session', { appId, userId, closed });
  }
}
