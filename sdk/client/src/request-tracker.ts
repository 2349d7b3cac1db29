import { type ClientFrame, ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** A client frame before the tracker numbers it. */
export type RequestFrame = ClientFrame extends infer F
  ? F extends ClientFrame
    ? Omit<F, 'ref'>
    : never
  : never;

interface Pending {
  resolve(result: unknown): void;
  reject(error: RelayBoxError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Numbers requests with increasing `ref`s (never reused, across reconnects too) and settles each
 * exactly once: on its `ack`, its `error` frame, its timeout ('timeout'), or `rejectAll`.
 */
export class RequestTracker {
  private nextRef = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Numbers `frame` and hands it to `send`. When `send` throws, the request rejects with that error
   * if it is a RelayBoxError, else with 'connection_closed'.
   */
  start<R>(frame: RequestFrame, send: (frame: ClientFrame) => void): Promise<R> {
    const ref = this.nextRef++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new RelayBoxError(ErrorCode.Timeout, `no reply to ${frame.type} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(ref, { resolve: resolve as (result: unknown) => void, reject, timer });
      try {
        send({ ...frame, ref } as ClientFrame);
      } catch (cause) {
        const error =
          cause instanceof RelayBoxError
            ? cause
            : new RelayBoxError(ErrorCode.ConnectionClosed, 'socket is not open', { cause });
        this.settle(ref, undefined, error);
      }
    });
  }

  /** Settles request `ref`; returns false when it is unknown (already settled or never sent). */
  settle(ref: number, result: unknown, error?: RelayBoxError): boolean {
    const entry = this.pending.get(ref);
    if (!entry) return false;
    this.pending.delete(ref);
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(result);
    return true;
  }

  rejectAll(error: RelayBoxError): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }
}
