/** One room message crossing between gateways. `payload` is the serialized frame, sent as is to clients. */
export interface BrokerMessage {
  appId: string;
  room: string;
  payload: string;
  /**
   * The W3C `traceparent` of the publish (OpenTelemetry export on): carried beside the payload
   * (AMQP: a message header), never inside it, so clients never see it. Absent when export is off.
   */
  traceparent?: string;
}

export type BrokerMessageHandler = (message: BrokerMessage) => void;

export type BrokerState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/**
 * Fan-out between gateways.
 *
 * Guarantees:
 * - `publish` resolves only once the broker has taken the message (publisher confirm); it rejects
 *   with a retryable `RelayBoxError(broker_unavailable)` when it cannot, never dropping silently.
 * - Every gateway that holds a `subscribe` on a room when a message is published receives it once
 *   through its `onMessage` handler, including the publishing gateway itself.
 * - Messages published by one gateway for one room reach each subscribing gateway in publish order.
 *   An implementation may carry several publishes in one broker message with one confirm (AMQP:
 *   those of one shard made in one event-loop turn): each `publish` still resolves only once that
 *   broker message was confirmed, and rejects when it was not.
 * - Delivery is at most once: a gateway that is cut off from the broker misses what is published
 *   meanwhile (history and resume cover that gap, not the broker).
 * - Interest is tracked per shard (`shardOf(appId, room, S)`): the first room subscribed in a
 *   shard binds it, the last one unsubscribed unbinds it after a grace. `onMessage` can therefore
 *   see rooms of a bound shard that this gateway has no subscriber for; callers ignore those.
 * - After a reconnect, the implementation restores every binding it held before handing out
 *   new messages.
 */
export interface Broker {
  readonly state: BrokerState;
  start(): Promise<void>;
  publish(message: BrokerMessage): Promise<void>;
  /** Resolves once messages for the room will be delivered to this gateway. Reference counted. */
  subscribe(appId: string, room: string): Promise<void>;
  unsubscribe(appId: string, room: string): void;
  onMessage(handler: BrokerMessageHandler): void;
  onStateChange(listener: (state: BrokerState) => void): void;
  close(): Promise<void>;
}
