import { ErrorCode, type RelayBoxError, type RoomMetrics } from '@relaybox/protocol';
import { notJoined, type RoomHost } from './room-host.js';
import { ServerSubscription } from './server-subscription.js';
import { toRelayBoxError } from './to-relay-box-error.js';

export type RoomMetricsListener = (metrics: RoomMetrics) => void;

/**
 * `room.metrics`: the room's figures across the cluster (connections, subscribers, presence
 * members, messages and bytes in/out per second), pushed at most once per second while at least
 * one listener is subscribed. Needs the `metrics` permission. Kept across reconnects.
 */
export class RoomMetricsFeed {
  private readonly listeners: RoomMetricsListener[] = [];
  private readonly server: ServerSubscription;

  /** @internal Created by the room. */
  constructor(
    private readonly room: string,
    private readonly host: RoomHost,
    private readonly isJoined: () => boolean,
    onError: (error: RelayBoxError) => void,
  ) {
    this.server = new ServerSubscription(host, {
      subscribe: () => ({ type: 'metrics.subscribe', room }),
      unsubscribe: { type: 'metrics.unsubscribe', room },
      onSubscribed: () => {},
      onError,
    });
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: RoomMetricsListener): () => void {
    if (!this.isJoined()) throw notJoined(this.room);
    this.listeners.push(listener);
    this.server.sync(true);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
      this.server.sync(this.listeners.length > 0);
    };
  }

  /** @internal A `metrics` frame of this room. */
  receive(metrics: RoomMetrics): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(metrics);
      } catch (error) {
        this.host.reportError(
          toRelayBoxError(error, ErrorCode.Internal, `a metrics listener of room "${this.room}" threw`),
        );
      }
    }
  }

  /** @internal After a reconnect (room joined again). */
  restore(resumed: boolean): void {
    this.server.restore(this.listeners.length > 0, resumed);
  }

  /** @internal The socket is gone. */
  reset(): void {
    this.server.reset();
  }

  /** @internal The room was left. */
  detach(): void {
    this.listeners.length = 0;
    this.server.detach();
  }
}
