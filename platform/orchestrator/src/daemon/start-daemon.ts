import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine, UpOptions } from '../engine.js';
import { toErrorResponse } from './daemon-errors.js';
import { corsHeaders, DaemonGuard } from './daemon-guard.js';
import { DaemonRoutes, type StackCredentials } from './daemon-routes.js';
import { SseStream } from './sse-stream.js';

export interface DaemonOptions {
  engine: Engine;
  /** Loopback port; 0 (default) picks a free one. */
  port?: number;
  /** Bearer secret; a fresh random one per launch by default. */
  secret?: string;
  /**
   * Extra origins whose pages may call the daemon (CORS), e.g. a console dev server. The stack's
   * own origin (and its localhost/127.0.0.1 twin) is trusted as soon as the daemon learns it from
   * the engine's status, and replaced when the stack moves. Default: none.
   */
  consoleOrigins?: readonly string[];
  /** Keys of a stack the caller already started (`relaybox up`), served by `/api/stack/connection`. */
  credentials?: StackCredentials;
  /** Options `POST /api/stack/up` starts the stack with (port, keys); the body's `gateways` wins. */
  upOptions?: UpOptions;
}

export interface RunningDaemon {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  secret: string;
  /** Ends every open stream and stops listening; idempotent. Does not stop the stack. */
  close(): Promise<void>;
}

/** A per-launch secret: 32 random bytes, base64url. */
export function createDaemonSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Starts the local daemon (DAEMON_API.md): an HTTP server on 127.0.0.1 that lets the console,
 * the desktop app and `relaybox console` control `engine`. See `DaemonGuard` for who may call it.
 */
export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const secret = options.secret ?? createDaemonSecret();
  if (secret.length < 16) throw new Error('daemon secret must be at least 16 characters');
  const guard = new DaemonGuard(secret, options.consoleOrigins ?? []);
  const routes = new DaemonRoutes(options.engine, options.credentials, options.upOptions ?? {}, (status) =>
    guard.setStackOrigin(status.endpoints.origin),
  );
  const streams = new Set<SseStream>();
  let port = 0;
  const server = createServer((req, res) => {
    void handleRequest(req, res, { guard, routes, streams, port: () => port });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  // Learn the stack's origin for CORS now when the stack already runs; later from any status.
  await routes.handleStatusSilently();
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    secret,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const stream of streams) stream.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

interface Context {
  guard: DaemonGuard;
  routes: DaemonRoutes;
  streams: Set<SseStream>;
  port: () => number;
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  let cors: Record<string, string> = {};
  try {
    ctx.guard.checkHost(req, ctx.port());
    cors = corsHeaders(ctx.guard.checkOrigin(req));
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    ctx.guard.checkSecret(req);
    const openStream = (): SseStream => {
      const stream = new SseStream(res, cors);
      ctx.streams.add(stream);
      stream.onClose(() => ctx.streams.delete(stream));
      return stream;
    };
    const result = await ctx.routes.handle(req, openStream);
    if ('json' in result) sendJson(res, 200, result.json, cors);
  } catch (error) {
    const { status, body } = toErrorResponse(error);
    if (res.headersSent) res.destroy();
    else sendJson(res, status, body, cors);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
