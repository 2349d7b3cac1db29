import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
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
 * it unsubscribes one the app no longer wants. `accepted()` waits for the server's ack.
 */
export class ServerSubscription {
  /** What the server was last asked for on the current socket. */
  private subscribed = false;
  /** Subscribed when the socket dropped: a resumed connection still has it. */
  private lingering = false;
  /** Acks and errors of superseded requests are ignored. */
  private generation = 0;
  /** The server acknowledged a subscribe on the current socket (and no unsubscribe was sent since). */
  private acknowledged = false;
  /** The refusal of the last subscribe, until the next request is sent. */
  private refused: RelayBoxError | undefined;
  /** Callers of `accepted()` waiting for the current subscribe's outcome. */
  private readonly waiters: ((error?: RelayBoxError) => void)[] = [];

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

  /**
   * Resolves once the server has acknowledged the subscription on the current socket (at once when it
   * has; a re-subscribe on the same socket to fill a gap keeps it acknowledged). Rejects with the
   * server's refusal, or `connection_closed` when no socket is up or it drops before the ack. For a
   * subscription the caller wants: while connected and not yet sent (the room is being re-joined
   * after a reconnect) it waits for the subscribe that follows.
   */
  accepted(): Promise<void> {
    if (this.acknowledged) return Promise.resolve();
    if (this.refused) return Promise.reject(this.refused);
    if (!this.host.canSend) return Promise.reject(connectionClosed());
    return new Promise((resolve, reject) => {
      this.waiters.push((error) => (error ? reject(error) : resolve()));
    });
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
    this.acknowledged = false;
    this.refused = undefined;
    this.settle(connectionClosed());
  }

  /** The room was left: nothing lingers; `accepted()` waiters reject with `reason`. */
  detach(reason?: RelayBoxError): void {
    if (reason) this.settle(reason);
    this.reset();
    this.lingering = false;
  }

  /** Resolves (no error) or rejects every waiter of `accepted()`. */
  private settle(error?: RelayBoxError): void {
    for (const waiter of this.waiters.splice(0)) waiter(error);
  }

  private send(subscribe: boolean): void {
    const generation = ++this.generation;
    this.refused = undefined;
    if (!subscribe) {
      this.acknowledged = false;
      this.settle(new RelayBoxError(ErrorCode.InvalidRequest, 'unsubscribed'));
    }
    const frame = subscribe ? this.spec.subscribe() : this.spec.unsubscribe;
    this.host.request(frame).then(
      (result) => {
        if (!subscribe || generation !== this.generation) return;
        // Listeners first: what the subscribe replayed is delivered before `accepted()` resolves.
        this.spec.onSubscribed(result);
        this.acknowledged = true;
        this.settle();
      },
      (error: RelayBoxError) => {
        if (generation !== this.generation) return;
        // Not subscribed as far as we know: the next listener added retries.
        this.subscribed = false;
        this.acknowledged = false;
        if (error.code !== ErrorCode.ConnectionClosed) {
          this.refused = error;
          this.spec.onError(error);
        }
        this.settle(error);
      },
    );
  }
}

function connectionClosed(): RelayBoxError {
  return new RelayBoxError(ErrorCode.ConnectionClosed, 'not connected');
}
