import { ErrorCode, type RelayBoxError } from '@relaybox/protocol';
import type { RequestFrame } from './request-tracker.js';
import type { RoomHost } from './room-host.js';

export interface ServerSubscriptionSpec {
  /** Built when sent, so it can carry the state of that moment (`fromSeq`). */
  subscribe(): RequestFrame;
  unsubscribe: RequestFrame;
  /** The ack of the `subscribe` that is current (not one superseded by a later request). */
  onSubscribed(result: unknown): void;
  /** A refused request (never 'connection_closed': the reconnect takes care of those). */
  onError(error: RelayBoxError): void;
}

/**
 * One server-side subscription of a room (its messages, or its presence events) kept in line with
 * whether the app has listeners: `subscribe` when the first is added, `unsubscribe` after the last
 * is removed, nothing while disconnected. A socket's subscriptions die with it (`reset`); after a
 * reconnect `restore` subscribes again, and on a resumed connection, which kept the subscription,
 * it unsubscribes one the app no longer wants.
 */
export class ServerSubscription {
  /** What the server was last asked for on the current socket. */
  private subscribed = false;
  /** Subscribed when the socket dropped: a resumed connection still has it. */
  private lingering = false;
  /** Acks and errors of superseded requests are ignored. */
  private generation = 0;

  constructor(
    private readonly host: RoomHost,
    private readonly spec: ServerSubscriptionSpec,
  ) {}

  /** Sends `subscribe`/`unsubscribe` when `wanted` and the server's view disagree (and a socket is up). */
  sync(wanted: boolean): void {
    if (wanted === this.subscribed || !this.host.canSend) return;
    this.subscribed = wanted;
    this.send(wanted);
  }

  /**
   * Subscribes again on the same socket (the server replays from the `fromSeq` the spec's frame
   * carries). False when not subscribed or no socket is up.
   */
  resubscribe(): boolean {
    if (!this.subscribed || !this.host.canSend) return false;
    this.send(true);
    return true;
  }

  /** After a reconnect (the room is joined again). */
  restore(wanted: boolean, resumed: boolean): void {
    const lingering = this.lingering;
    this.lingering = false;
    if (resumed && lingering && !wanted && this.host.canSend) this.send(false);
    else this.sync(wanted);
  }

  /** The socket is gone, and with it the server-side subscription (unless the connection resumes). */
  reset(): void {
    this.lingering = this.subscribed;
    this.subscribed = false;
    this.generation++;
  }

  /** The room was left: nothing lingers. */
  detach(): void {
    this.reset();
    this.lingering = false;
  }

  private send(subscribe: boolean): void {
    const generation = ++this.generation;
    const frame = subscribe ? this.spec.subscribe() : this.spec.unsubscribe;
    this.host.request(frame).then(
      (result) => {
        if (subscribe && generation === this.generation) this.spec.onSubscribed(result);
      },
      (error: RelayBoxError) => {
        if (generation !== this.generation) return;
        // Not subscribed as far as we know: the next listener added retries.
        this.subscribed = false;
        if (error.code !== ErrorCode.ConnectionClosed) this.spec.onError(error);
      },
    );
  }
}
