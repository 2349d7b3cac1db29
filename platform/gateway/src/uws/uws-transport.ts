import type { WebSocket } from 'uWebSockets.js';
import { CloseCode } from '@relaybox/protocol';
import type { Transport } from '../transport.js';

/** A uWS socket as a `Transport`. uWS forbids touching a socket after its close event; `closed` guards that. */
export class UwsTransport implements Transport {
  closed = false;

  constructor(private readonly ws: WebSocket<unknown>) {}

  send(text: string): boolean {
    if (this.closed) return false;
    // 2 = dropped because the socket is past its backpressure cap: a client that does not read.
    if (this.ws.send(text, false, false) === 2)
      this.close(CloseCode.SlowConsumer, 'slow consumer: too many unsent bytes');
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // `end` runs the close handler synchronously, which marks this transport closed.
    this.ws.end(code, reason);
  }

  get bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  subscribe(topic: string): void {
    if (!this.closed) this.ws.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (!this.closed) this.ws.unsubscribe(topic);
  }
}
