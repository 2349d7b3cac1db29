import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '@relaybox/protocol';

export interface Upstream {
  host: string;
  port: number;
}

export interface FrontProxyOptions {
  host?: string;
  port: number;
  /** The gateways that may take traffic right now; asked for every request and upgrade. */
  upstreams: () => Upstream[];
  log?: (line: string) => void;
}

/**
 * The one local origin of the native engine (DESIGN §6): HTTP requests and WebSocket upgrades are
 * spread round-robin across the healthy gateways. No sticky sessions: a client that reconnects
 * resumes on whichever gateway it lands. An upgrade whose gateway refuses the TCP connection is
 * tried on the next one, so a killed gateway costs its clients one reconnect, not a failure.
 */
export class FrontProxy {
  private server: Server | undefined;
  private next = 0;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly options: FrontProxyOptions) {}

  /** Listens; rejects with the `listen` error (EADDRINUSE when the port is taken). */
  async start(): Promise<number> {
    const server = createServer((req, res) => this.forward(req, res, this.pick()));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head, this.pick()),
    );
    server.on('connection', (socket) => this.track(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The upstreams in round-robin order, starting from the next one. */
  private pick(): Upstream[] {
    const all = this.options.upstreams();
    if (all.length === 0) return [];
    const start = this.next++ % all.length;
    return [...all.slice(start), ...all.slice(0, start)];
  }

  private forward(req: IncomingMessage, res: ServerResponse, candidates: Upstream[]): void {
    const target = candidates[0];
    if (!target) {
      unavailable(res);
      return;
    }
    const upstream = httpRequest(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Nothing reached the gateway yet (it is gone): another one can take the request as is.
      const bodiless = req.method === 'GET' || req.method === 'HEAD';
      if (error.code === 'ECONNREFUSED' && bodiless && !res.headersSent && candidates.length > 1) {
        this.forward(req, res, candidates.slice(1));
        return;
      }
      this.options.log?.(`proxy: ${req.method} ${req.url} via :${target.port} failed: ${error.message}`);
      if (!res.headersSent) unavailable(res, 502);
      else res.destroy();
    });
    if (req.complete) upstream.end();
    else req.pipe(upstream);
  }

  private upgrade(req: IncomingMessage, client: Duplex, head: Buffer, candidates: Upstream[]): void {
    const target = candidates[0];
    if (!target) {
      client.end(rawUnavailable());
      return;
    }
    const upstream = connect(target.port, target.host);
    this.track(upstream);
    const onConnectError = (error: Error) => {
      upstream.destroy();
      if (candidates.length > 1) {
        this.upgrade(req, client, head, candidates.slice(1));
        return;
      }
      this.options.log?.(`proxy: upgrade ${req.url} failed: ${error.message}`);
      client.end(rawUnavailable());
    };
    upstream.once('error', onConnectError);
    upstream.once('connect', () => {
      upstream.off('error', onConnectError);
      upstream.write(requestHead(req));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
      const close = () => {
        upstream.destroy();
        client.destroy();
      };
      upstream.on('error', close);
      client.on('error', close);
      upstream.on('close', close);
      client.on('close', close);
    });
  }

  private track(socket: Socket | Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/** The client's request line and headers, byte for byte as received (rawHeaders keeps case and order). */
function requestHead(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

// No gateway is up right now (starting or restarting): retryable, like a draining gateway.
const UNAVAILABLE = JSON.stringify({
  error: {
    code: ErrorCode.ServerShuttingDown,
    message: 'no healthy gateway behind the local origin; retry shortly',
  },
});

function unavailable(res: ServerResponse, status = 503): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(UNAVAILABLE),
  });
  res.end(UNAVAILABLE);
}

function rawUnavailable(): string {
  return [
    'HTTP/1.1 503 Service Unavailable',
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(UNAVAILABLE)}`,
    'connection: close',
    '',
    UNAVAILABLE,
  ].join('\r\n');
}
