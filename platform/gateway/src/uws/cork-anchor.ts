import type { HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { UwsModule } from './load-uws.js';

const OPEN_TIMEOUT_MS = 5_000;

/**
 * Works around the async-upgrade cork bug of every installed uWS build (uNetworking/uWebSockets#1928,
 * fixed upstream by #1929 in uWebSockets v20.79.0, after both builds were made). `HttpResponse.cork`
 * runs HTTP post-processing after its callback; when the callback upgraded the socket and the poll
 * was reallocated in place, that post-processing reads the WebSocket's memory as HTTP state and can
 * close the new connection (1006) right after `open`. Measured with uWS 20.57 on Node 22: the first
 * connection of a fresh gateway process in about one start out of four, and later ones too.
 *
 * An async upgrade therefore runs inside the cork of this anchor: an idle WebSocket on a private
 * loopback listener. uWS corks one socket per loop, so while the anchor holds the cork the upgrading
 * response writes its 101 directly and `HttpResponse.cork`'s post-processing never runs. Without an open anchor
 * the caller's own `res.cork` is used (the bug's exposure, as before). Only the builds whose
 * `corkAnchor` is set (uws-builds.json) open one.
 */
export class CorkAnchor {
  /** Held so the private app lives as long as the anchor. */
  private app?: TemplatedApp;
  private listenSocket?: us_listen_socket;
  private client?: Socket;
  private ws?: WebSocket<unknown>;

  /** `enabled: false` (a build without the need): `open` does nothing and `res.cork` is used. */
  constructor(
    private readonly uws: UwsModule,
    private readonly enabled = true,
  ) {}

  /** Starts the private listener and connects the anchor; rejects if it is not open within 5 s. */
  async open(): Promise<void> {
    if (!this.enabled) return;
    const app = this.uws.App();
    this.app = app;
    const opened = new Promise<void>((resolve) => {
      app.ws('/anchor', {
        idleTimeout: 0,
        maxPayloadLength: 64,
        sendPingsAutomatically: false,
        open: (ws) => {
          this.ws = ws;
          resolve();
        },
        close: () => {
          this.ws = undefined;
        },
      });
    });
    const socket = await new Promise<us_listen_socket | false>((resolve) =>
      app.listen('127.0.0.1', 0, resolve),
    );
    if (!socket) throw new Error('cork anchor: cannot listen on 127.0.0.1');
    this.listenSocket = socket;
    this.client = this.connectClient(this.uws.us_socket_local_port(socket));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('cork anchor: not open within 5 s')), OPEN_TIMEOUT_MS);
    });
    try {
      await Promise.race([opened, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private connectClient(port: number): Socket {
    const client = connect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    client.write(
      `GET /anchor HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    // The 101 response is all it ever receives; it must not keep the process alive.
    client.on('data', () => {});
    client.on('error', () => {});
    client.unref();
    return client;
  }

  /** Runs `upgrade` (which must call `res.upgrade`) corked by the anchor, else by `res.cork`. */
  corkUpgrade(res: HttpResponse, upgrade: () => void): void {
    // Inside the anchor's cork, `res.cork` only runs its callback (the loop's cork is taken) and
    // marks it as corked for uWS.js's "writes must be corked" check.
    if (this.ws) this.ws.cork(() => res.cork(upgrade));
    else res.cork(upgrade);
  }

  get isOpen(): boolean {
    return this.app !== undefined && this.ws !== undefined;
  }

  close(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
    this.client?.destroy();
    this.client = undefined;
    if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    this.app = undefined;
  }
}
