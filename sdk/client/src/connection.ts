import type { RelayBoxError } from '@relaybox/protocol';
import type { ConnectionManager } from './connection-manager.js';

export type ConnectionState =
  | 'initialized'
  | 'connecting'
  | 'connected'
  | 'disconnected'
  | 'suspended'
  | 'closed'
  | 'failed';

export interface StateChange {
  previous: ConnectionState;
  current: ConnectionState;
  /** Why an attempt failed or the connection was lost; absent for 'connecting', 'connected' and `close()`. */
  reason?: RelayBoxError;
  /** In 'disconnected' and 'suspended': milliseconds until the next attempt. */
  retryIn?: number;
}

export interface ConnectionEvents {
  statechange: StateChange;
  /** Problems that fail no request: protocol complaints, token refresh failures, throwing listeners. */
  error: RelayBoxError;
}

/** `relay.connection`: the connection's state and its events. */
export class Connection {
  /** @internal Created by RelayBox. */
  constructor(private readonly manager: ConnectionManager) {}

  get state(): ConnectionState {
    return this.manager.state;
  }

  /** The reason of the last change to 'disconnected', 'suspended' or 'failed'. */
  get errorReason(): RelayBoxError | undefined {
    return this.manager.reason;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof ConnectionEvents>(
    event: K,
    listener: (payload: ConnectionEvents[K]) => void,
  ): () => void {
    return this.manager.events.on(event, listener);
  }

  off<K extends keyof ConnectionEvents>(event: K, listener: (payload: ConnectionEvents[K]) => void): void {
    this.manager.events.off(event, listener);
  }
}
