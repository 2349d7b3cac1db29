import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@relaybox/gateway';
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
  /**
   * Where the daemon logs (pino JSON, `service: "daemon"`, one line per request with its `reqId`).
   * Default: stderr at info. Never given the secret, the admin token or a query string.
   */
  log?: Logger;
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
  const log = options.log ?? createLogger('info', { service: 'daemon' });
  const routes = new DaemonRoutes(options.engine, options.credentials, options.upOptions ?? {}, (status) =>
    guard.setStackOrigin(status.endpoints.origin),
  );
  const streams = new Set<SseStream>();
  let port = 0;
  const requestIds = new RequestIds();
  const server = createServer((req, res) => {
    const reqId = requestIds.next();
    res.setHeader('x-request-id', reqId);
    const done = logRequest(log.child({ reqId }), req, res);
    void handleRequest(req, res, { guard, routes, streams, port: () => port }).then(done);
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  log.info('daemon listening', {
    url: `http://127.0.0.1:${port}`,
    engine: options.engine.name,
    pid: process.pid,
  });
  // Learn the stack's origin for CORS now when the stack already runs; later from any status.
  await routes.handleStatusSilently();
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    secret,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        log.info('daemon closing', { streams: streams.size });
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

/** Per-launch request ids: a random prefix and a counter (`d4f1c2a9-17`), cheap and unique per daemon. */
class RequestIds {
  private readonly prefix = randomBytes(4).toString('hex');
  private count = 0;
  next(): string {
    return `${this.prefix}-${++this.count}`;
  }
}

/**
 * Logs one request when its response ends: method, path (never the query string), status and
 * duration; 4xx as warn and 5xx as error with the error code. Streams log when they open, too.
 * Headers are never logged: `Authorization` carries the daemon secret.
 */
function logRequest(log: Logger, req: IncomingMessage, res: ServerResponse): (outcome: Outcome) => void {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0];
  let outcome: Outcome | undefined;
  let closed = false;
  // Logged once both happened: the handler returned (its error code is known) and the response closed.
  const write = (): void => {
    if (!outcome || !closed) return;
    const { failure } = outcome;
    const fields = {
      method,
      path,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
      ...(failure ? { code: failure.code, error: failure.message } : {}),
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (res.statusCode >= 500) log.error('daemon request failed', fields);
    else if (res.statusCode >= 400) log.warn('daemon request refused', fields);
    else log.info('daemon request', fields);
  };
  res.once('close', () => {
    closed = true;
    write();
  });
  return (result) => {
    outcome = result;
    if (result.stream && !closed) log.info('daemon stream open', { method, path });
    write();
  };
}

interface Outcome {
  failure?: { code: string; message: string };
  /** The response is an open event stream (logged again when it ends). */
  stream?: boolean;
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<Outcome> {
  let cors: Record<string, string> = {};
  try {
    ctx.guard.checkHost(req, ctx.port());
    cors = corsHeaders(ctx.guard.checkOrigin(req));
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return {};
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
    return { stream: 'stream' in result };
  } catch (error) {
    const { status, body } = toErrorResponse(error);
    if (res.headersSent) res.destroy();
    else sendJson(res, status, body, cors);
    return { failure: { code: body.error.code, message: body.error.message } };
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
