import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { ConnectionState } from './connection.js';

type Waiter = { resolve(): void; reject(error: RelayBoxError): void };

/**
 * The promises returned by `connect()`. They resolve on 'connected' and reject on 'failed' (with its
 * reason), 'closed', and 'suspended' (the connection keeps retrying, but the caller gets an answer).
 */
export class ConnectWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly suspendedAfterMs: number) {}

  add(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  settle(state: ConnectionState, reason: RelayBoxError | undefined): void {
    if (state !== 'connected' && state !== 'suspended' && state !== 'closed' && state !== 'failed') return;
    const waiters = this.waiters;
    this.waiters = [];
    if (state === 'connected') {
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    const message =
      state === 'closed'
        ? 'connection closed before it was established'
        : `not connected after ${this.suspendedAfterMs} ms; still retrying`;
    const error =
      state === 'failed' && reason
        ? reason
        : new RelayBoxError(ErrorCode.ConnectionClosed, message, { cause: reason });
    for (const waiter of waiters) waiter.reject(error);
  }
}
