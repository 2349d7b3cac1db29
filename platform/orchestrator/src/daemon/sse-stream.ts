import type { ServerResponse } from 'node:http';

/** Events queued for one slow client before the daemon gives up on it and ends its stream. */
export const SSE_MAX_QUEUED = 2000;
const PING_MS = 15_000;

/**
 * One `text/event-stream` response. Writes respect backpressure: while the socket buffer is
 * full, events wait in a bounded queue flushed on `drain`; a client that stays behind by more
 * than `maxQueued` events is disconnected (it reconnects and gets a fresh tail) instead of
 * growing the daemon's memory. `onClose` runs once, whoever closes first.
 */
export class SseStream {
  private readonly queue: string[] = [];
  private blocked = false;
  private closed = false;
  private readonly ping: NodeJS.Timeout;
  private readonly closers: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
    private readonly maxQueued = SSE_MAX_QUEUED,
  ) {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.on('close', () => this.close());
    res.on('drain', () => this.flush());
    this.ping = setInterval(() => this.write(': ping\n\n'), PING_MS);
    this.ping.unref();
    this.write(': connected\n\n');
    // The client may have gone while the route was waiting for the engine.
    if (res.closed || res.destroyed) queueMicrotask(() => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Registers cleanup (unsubscribe from the engine) run when the stream ends for any reason. */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closers.push(fn);
  }

  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    this.queue.length = 0;
    for (const fn of this.closers.splice(0)) fn();
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.blocked) {
      if (this.queue.length >= this.maxQueued) {
        this.res.destroy();
        this.close();
        return;
      }
      this.queue.push(chunk);
      return;
    }
    if (!this.res.write(chunk)) this.blocked = true;
  }

  private flush(): void {
    this.blocked = false;
    while (!this.closed && this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      if (!this.res.write(chunk)) {
        this.blocked = true;
        return;
      }
    }
  }
}
