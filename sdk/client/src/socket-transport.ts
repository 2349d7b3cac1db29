import { RelayBoxError } from '@relaybox/protocol';
import type { WebSocketConstructor } from './relay-box-options.js';

/** The part of the browser WebSocket API used here; `ws` implements it too. */
interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: forcibly destroys the socket. */
  terminate?(): void;
  /** `ws` only (Node EventEmitter): used for 'unexpected-response', a refused upgrade. */
  on?(event: 'unexpected-response', listener: (request: unknown, response: HttpResponseLike) => void): void;
}

/** The `http.IncomingMessage` of a refused upgrade, as far as it is read here. */
interface HttpResponseLike {
  statusCode?: number;
  on(event: 'data', listener: (chunk: unknown) => void): void;
  on(event: 'end' | 'error', listener: () => void): void;
}

export interface TransportEvents {
  onText(text: string): void;
  onClose(code: number, reason: string): void;
  /** The server refused the upgrade with an HTTP status and body. Only `ws` exposes this; browsers see a close. */
  onRefused(status: number, error: RelayBoxError): void;
}

const MAX_REFUSAL_BODY = 8 * 1024;
const noop = (): void => {};

/**
 * One WebSocket. Text frames, the close and (with `ws`) a refused upgrade are reported to `events`
 * until `close` is called; after that the socket is silent. Handlers are replaced by no-ops rather
 * than removed: `ws` throws an unhandled 'error' event when it has no listener.
 */
export class SocketTransport {
  private closed = false;

  private constructor(
    private readonly socket: WebSocketLike,
    private readonly events: TransportEvents,
  ) {}

  /** Opens a socket offering `protocols`. Throws whatever the WebSocket constructor throws. */
  static open(
    WebSocketImpl: WebSocketConstructor,
    url: string,
    protocols: string[],
    events: TransportEvents,
  ): SocketTransport {
    const socket = new WebSocketImpl(url, protocols) as WebSocketLike;
    const transport = new SocketTransport(socket, events);
    socket.onopen = noop;
    socket.onerror = noop; // always followed by a close event
    socket.onmessage = (event) => {
      const text = decodeData(event.data);
      if (!transport.closed && text !== undefined) events.onText(text);
    };
    socket.onclose = (event) => {
      if (transport.closed) return;
      transport.closed = true;
      events.onClose(event.code, event.reason);
    };
    if (typeof socket.on === 'function') {
      socket.on('unexpected-response', (_request, response) => transport.readRefusal(response));
    }
    return transport;
  }

  /** Throws when the socket is not open. */
  send(text: string): void {
    this.socket.send(text);
  }

  /** Closes the socket (if still open) and silences every later event. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.onmessage = noop;
    this.socket.onclose = noop;
    try {
      // Browsers accept only 1000 and 3000-4999 from a client, and a reason of at most 123 bytes.
      if (code === 1000 || (code >= 3000 && code <= 4999)) this.socket.close(code, truncate(reason, 123));
      else this.socket.close();
    } catch {
      // Already closing: nothing left to do.
    }
  }

  private readRefusal(response: HttpResponseLike): void {
    const decoder = new TextDecoder();
    let body = '';
    const finish = (): void => {
      if (this.closed) return;
      const status = response.statusCode ?? 0;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const error = RelayBoxError.fromBody(parsed, `upgrade refused with HTTP ${status}`);
      this.events.onRefused(status, error);
      this.socket.terminate?.();
    };
    response.on('data', (chunk) => {
      if (body.length < MAX_REFUSAL_BODY) {
        body += chunk instanceof Uint8Array ? decoder.decode(chunk, { stream: true }) : String(chunk);
      }
    });
    response.on('end', finish);
    response.on('error', finish);
  }
}

function decodeData(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return undefined;
}

function truncate(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  return new TextDecoder().decode(bytes.slice(0, maxBytes)).replace(/\uFFFD$/, '');
}
