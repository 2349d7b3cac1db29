import type { ClientFrame, ConnectedFrame, ServerFrame } from '@relaybox/protocol';

/** Minimal stand-in for `http.IncomingMessage` in ws's 'unexpected-response'. */
class FakeResponse {
  private readonly handlers = new Map<string, (chunk?: unknown) => void>();
  constructor(readonly statusCode: number) {}
  on(event: string, handler: (chunk?: unknown) => void): void {
    this.handlers.set(event, handler);
  }
  emit(event: string, chunk?: unknown): void {
    this.handlers.get(event)?.(chunk);
  }
}

/**
 * The gateway's side of one socket, driven by the test: `accept()` sends `connected`, `send()`
 * any server frame, `drop()` closes from the server, `refuse()` imitates a refused upgrade as the
 * `ws` package reports it. Frames the client sent are parsed into `sent`.
 */
export class FakeWebSocket {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: ClientFrame[] = [];
  /** Set when the client closed the socket. */
  closedByClient: { code: number | undefined; reason: string | undefined } | undefined;
  private unexpectedResponse: ((request: unknown, response: FakeResponse) => void) | undefined;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}

  /** ws-only API; present so the SDK's refused-upgrade path can be exercised. */
  on(event: string, listener: (request: unknown, response: FakeResponse) => void): void {
    if (event === 'unexpected-response') this.unexpectedResponse = listener;
  }

  send(text: string): void {
    if (this.readyState !== 1) throw new Error('WebSocket is not open');
    this.sent.push(JSON.parse(text) as ClientFrame);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedByClient = { code, reason };
    this.readyState = 3;
    // Like a real socket, the close event comes later.
    setTimeout(() => this.onclose?.({ code: code ?? 1005, reason: reason ?? '' }), 0);
  }

  terminate(): void {
    this.close();
  }

  // ─── server side ───

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Opens the socket and sends `connected`. */
  accept(overrides: Partial<ConnectedFrame> = {}): void {
    this.open();
    this.push({
      type: 'connected',
      connectionId: 'conn-1',
      clientId: 'client-1',
      heartbeatMs: 15_000,
      limits: { maxFrameBytes: 65_536, maxRoomsPerConnection: 100 },
      resumeSecret: 'secret-1',
      resumed: false,
      ...overrides,
    });
  }

  push(frame: ServerFrame | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The last frame the client sent of `type` (throws if none). */
  last<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }> {
    const frame = this.sent.findLast((f) => f.type === type);
    if (!frame)
      throw new Error(`client sent no ${type} frame (sent: ${this.sent.map((f) => f.type).join(', ')})`);
    return frame as Extract<ClientFrame, { type: T }>;
  }

  ack(frame: { ref: number }, result?: unknown): void {
    this.push({ type: 'ack', ref: frame.ref, ...(result === undefined ? {} : { result }) });
  }

  fail(frame: { ref: number }, code: string, message = code): void {
    this.push({ type: 'error', ref: frame.ref, error: { code, message } });
  }

  /** The server (or the network) closes the socket. */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** A refused upgrade as `ws` reports it: 'unexpected-response', then (after terminate) a close. */
  refuse(status: number, body: unknown): void {
    const response = new FakeResponse(status);
    this.unexpectedResponse?.({}, response);
    response.emit('data', new TextEncoder().encode(JSON.stringify(body)));
    response.emit('end');
  }
}

/** A WebSocket class for one test, recording every socket it creates. */
export function fakeWebSocketClass(): { WebSocket: typeof FakeWebSocket; sockets: FakeWebSocket[] } {
  const sockets: FakeWebSocket[] = [];
  class RecordingWebSocket extends FakeWebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { WebSocket: RecordingWebSocket, sockets };
}
