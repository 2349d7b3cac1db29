/**
 * One client connection as the gateway core sees it. The uWS layer implements it; sessions and
 * the hub never touch uWS directly. Calls after the connection closed are no-ops.
 */
export interface Transport {
  /** Queues a text frame. Returns false when the connection is closed. */
  send(text: string): boolean;
  /** Sends a close frame with the code and reason, then closes. */
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the socket. */
  readonly bufferedAmount: number;
  readonly closed: boolean;
  /** Local fan-out: join or leave a topic published with one `publish` call per message per node. */
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}
