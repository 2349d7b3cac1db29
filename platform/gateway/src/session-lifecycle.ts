import { randomBytes } from 'node:crypto';
import { createResumeSecret, type SessionRoomState, type SessionStore } from '@relaybox/core';
import { type ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { Intervals } from './intervals.js';
import type { Logger } from './logger.js';
import type { PresenceService } from './presence-service.js';

export interface ResumeOffer {
  connectionId: string;
  secret: string;
}

export interface SessionOpening {
  connectionId: string;
  /** The secret the client must present next time (rotated on every connection). */
  resumeSecret: string;
  resumed: boolean;
  /** Rooms the resumed connection had joined. */
  rooms: Record<string, SessionRoomState>;
  resumeError?: { code: ErrorCode; message: string };
  /** Which local socket owns the session here; a socket that no longer owns it cleans nothing up. */
  epoch: number;
  /**
   * The session was taken over while still attached to this gateway (this id) or another one: the
   * socket holding it there is stale and must be closed (session-takeover.ts).
   */
  takenOverFrom?: string;
}

export interface SessionLifecycleOptions {
  /** Unique per process start (liveness is keyed by it). */
  gatewayId: string;
  resumeWindowMs: number;
  presenceGraceMs: number;
  /** The gateway counts as dead this long after its last heartbeat. */
  heartbeatTtlMs: number;
  /** The heartbeat lapsed (this process stalled): other gateways may have swept its sessions. */
  onLapse: () => void;
  /** A connection ended for good: closed cleanly, or dropped and not resumed within the grace. */
  onEnded?: (appId: string, clientId: string, connectionId: string, reason: string) => void;
  /** A session mutation of an open local socket resolved false: the session may have moved. */
  onLost?: (connectionId: string) => void;
}

/**
 * Connection sessions across gateways: create or resume at upgrade, track rooms, detach on drop
 * (resumable for the window; presence kept for the grace), and keep this gateway's heartbeat (one
 * key with a TTL, never a job). Dead gateways are swept by the `sessions` queue's worker.
 *
 * A resume may take a session over while its old socket is still open here or elsewhere (newest
 * wins). Only the socket that owns a session (its `epoch`, the latest open of that id here) cleans up
 * after itself; a superseded one leaves the session and presence alone, and a socket whose session
 * moved to another gateway finds its detach refused by the store and keeps the presence too (the new
 * owner adopted it).
 */
export class SessionLifecycle {
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly intervals = new Intervals();
  /** connectionId → epoch of the local socket owning it (one entry per open session). */
  private readonly owners = new Map<string, number>();
  private lastEpoch = 0;
  /** Detaches in flight: a resume of the same id here waits for them (the store cannot tell two
   * sockets of one gateway apart, so a late detach would detach the resumed session). */
  private readonly detaching = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: SessionStore,
    private readonly presence: PresenceService,
    private readonly options: SessionLifecycleOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.store.heartbeat(this.options.gatewayId, this.options.heartbeatTtlMs);
    this.intervals.every(this.options.heartbeatTtlMs / 3, () => this.beat());
  }

  /** Called after authentication, before the upgrade: claims the offered session or creates one. */
  async open(appId: string, clientId: string, offer: ResumeOffer | undefined): Promise<SessionOpening> {
    const resumeSecret = createResumeSecret();
    let resumeError: SessionOpening['resumeError'];
    if (offer) {
      await this.detaching.get(offer.connectionId);
      try {
        const claimed = await this.store.claim({
          connectionId: offer.connectionId,
          appId,
          clientId,
          secret: offer.secret,
          gatewayId: this.options.gatewayId,
          nextSecret: resumeSecret,
        });
        this.cancelGrace(offer.connectionId);
        // From now on an older local socket of this id (a takeover here) cleans nothing up.
        const epoch = this.own(offer.connectionId);
        // Not awaited: the claim is done (its secret rotated), so a failure here must not fail the
        // resume; the presence store orders this before the connection's later presence calls.
        this.presence
          .adopt(appId, offer.connectionId)
          .catch((error: unknown) => this.log.warn('presence adopt failed', { error: String(error) }));
        const opening = {
          connectionId: claimed.connectionId,
          resumeSecret,
          resumed: true,
          rooms: claimed.rooms,
        };
        return claimed.previousState === 'attached'
          ? { ...opening, epoch, takenOverFrom: claimed.previousGatewayId }
          : { ...opening, epoch };
      } catch (error) {
        if (!(error instanceof RelayBoxError) || error.retryable) throw error;
        resumeError = { code: error.code, message: error.message };
      }
    }
    const connectionId = randomBytes(12).toString('base64url');
    const session = {
      connectionId,
      appId,
      clientId,
      gatewayId: this.options.gatewayId,
      rooms: {},
      createdAt: Date.now(),
    };
    await this.store.create(session, resumeSecret);
    const epoch = this.own(connectionId);
    return {
      connectionId,
      resumeSecret,
      resumed: false,
      rooms: {},
      epoch,
      ...(resumeError ? { resumeError } : {}),
    };
  }

  /** Records a room change of an attached session (null = left). Never blocks the request. */
  roomChanged(connectionId: string, room: string, state: SessionRoomState | null): void {
    const { gatewayId } = this.options;
    const done =
      state === null
        ? this.store.removeRoom(connectionId, gatewayId, room)
        : this.store.setRoom(connectionId, gatewayId, room, state);
    done.then(
      (applied) => {
        if (!applied && this.owners.has(connectionId)) this.options.onLost?.(connectionId);
      },
      (error: unknown) => this.log.warn('session room update failed', { error: String(error) }),
    );
  }

  /**
   * The local socket of `epoch` no longer owns the session (it moved elsewhere): its close will
   * clean nothing up. A newer local owner is kept.
   */
  disown(connectionId: string, epoch: number): void {
    if (this.owners.get(connectionId) === epoch) this.owners.delete(connectionId);
  }

  /**
   * The socket is gone. A clean close (the client said goodbye) ends the session and its presence
   * now; any other close keeps the session resumable for the window and the presence for the grace.
   */
  closed(appId: string, clientId: string, connectionId: string, clean: boolean, epoch: number): void {
    // A socket superseded by a newer one (here or elsewhere) leaves the session and presence alone.
    if (this.owners.get(connectionId) !== epoch) return;
    this.owners.delete(connectionId);
    const { gatewayId } = this.options;
    const warn = (what: string) => (error: unknown) => this.log.warn(what, { error: String(error) });
    if (clean) {
      // Presence leaves only when the session was still ours: once taken over, it belongs to the new owner.
      const removed = this.store.remove(connectionId, gatewayId).catch((error: unknown) => {
        warn('session remove failed')(error);
        return true;
      });
      this.track(
        removed.then((ours) =>
          ours
            ? this.presence.removeConnection(appId, connectionId, true).catch(warn('presence leave failed'))
            : undefined,
        ),
      );
      this.options.onEnded?.(appId, clientId, connectionId, 'client closed');
      return;
    }
    const detached = this.store.detach(connectionId, gatewayId, this.options.resumeWindowMs);
    const settled = detached.then((ours) => {
      // Taken over (or swept) meanwhile: the new owner adopted the presence, the sweep removed it.
      if (!ours) this.cancelGrace(connectionId);
    }, warn('session detach failed'));
    this.track(settled);
    this.detaching.set(connectionId, settled);
    settled.finally(() => {
      if (this.detaching.get(connectionId) === settled) this.detaching.delete(connectionId);
    });
    const timer = setTimeout(() => {
      this.graceTimers.delete(connectionId);
      this.presence.removeConnection(appId, connectionId, true).catch(warn('presence leave failed'));
      this.reportIfNotResumed(appId, clientId, connectionId);
    }, this.options.presenceGraceMs);
    timer.unref();
    this.graceTimers.set(connectionId, timer);
  }

  /** Stops timers. Sessions stay detached and resumable; the heartbeat expires on its own, after
   * which other gateways sweep whatever was not resumed. */
  stop(): void {
    this.intervals.clear();
  }

  private reportIfNotResumed(appId: string, clientId: string, connectionId: string): void {
    const { onEnded } = this.options;
    if (!onEnded) return;
    this.store.get(connectionId).then(
      (session) => {
        if (session?.state === 'attached') return; // resumed (here or on another gateway)
        onEnded(appId, clientId, connectionId, 'connection lost');
      },
      (error: unknown) => this.log.warn('session lookup failed', { error: String(error) }),
    );
  }

  /** Waits for session writes in flight (detaches on shutdown) so they are not lost on exit. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise));
  }

  private beat(): void {
    this.store.heartbeat(this.options.gatewayId, this.options.heartbeatTtlMs).then(
      (wasAlive) => {
        if (wasAlive) return;
        this.log.error('heartbeat lapsed: this gateway may have been swept; dropping its connections', {});
        this.options.onLapse();
      },
      (error: unknown) => this.log.warn('heartbeat failed', { error: String(error) }),
    );
  }

  private own(connectionId: string): number {
    this.lastEpoch += 1;
    this.owners.set(connectionId, this.lastEpoch);
    return this.lastEpoch;
  }

  private cancelGrace(connectionId: string): void {
    clearTimeout(this.graceTimers.get(connectionId));
    this.graceTimers.delete(connectionId);
  }
}
