import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { RelayBoxRest } from '@relaybox/rest';

/** What the sign-in form accepts as a name (it becomes the clientId). */
const NAME = /^[A-Za-z0-9_-]{1,32}$/;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

export interface ChatServerOptions {
  /** A RelayBox API key `<appId>.<keyId>:<secret>` (never sent to the browser). */
  apiKey: string;
  /** The RelayBox origin, e.g. `http://localhost:9000`. */
  relayboxUrl: string;
  port?: number;
  host?: string;
  /**
   * Serves the front end: `{ dir }` a built one (`vite build` output), or `{ viteRoot }` Vite's dev
   * server in middleware mode (hot reload over this server's own port).
   */
  web: { dir: string } | { viteRoot: string };
}

export interface ChatServer {
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

/**
 * The example's backend: `POST /api/relaybox-token` mints a RelayBox token (the client's
 * `authEndpoint`), `GET /api/config` tells the front end where the gateway is, everything else is
 * the front end.
 */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const rest = new RelayBoxRest({ apiKey: options.apiKey, url: options.relayboxUrl });
  const socketUrl = `${options.relayboxUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/ws`;
  let viteMiddleware: Middleware | undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/api/config') return json(res, 200, { url: socketUrl });
    if (path === '/api/relaybox-token' && req.method === 'POST') {
      void mintToken(rest, req, res);
      return;
    }
    if (path.startsWith('/api/')) return json(res, 404, { error: 'not found' });
    const { web } = options;
    if ('dir' in web) void serveFile(web.dir, path, res);
    else if (viteMiddleware) viteMiddleware(req, res, () => json(res, 404, { error: 'not found' }));
    else json(res, 503, { error: 'starting' });
  });
  let closeVite = async () => {};
  if ('viteRoot' in options.web) {
    // Only `dev` loads Vite (a dev dependency).
    const { createServer: createVite } = await import('vite');
    const vite = await createVite({
      root: options.web.viteRoot,
      appType: 'spa',
      server: { middlewareMode: true, hmr: { server } },
    });
    viteMiddleware = vite.middlewares;
    closeVite = () => vite.close();
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: async () => {
      await closeVite();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The authEndpoint: the client POSTs `{ clientId }`. A real app takes the user from its own session
 * (a cookie) and ignores the body; this example trusts the name typed in the sign-in form.
 */
async function mintToken(rest: RelayBoxRest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const { clientId } = JSON.parse(await readBody(req)) as { clientId?: unknown };
    if (typeof clientId !== 'string' || !NAME.test(clientId)) {
      return json(res, 400, { error: 'clientId must be 1-32 letters, digits, _ or -' });
    }
    const { token, expiresAt } = await rest.createToken({
      clientId,
      // Chat users may do everything in `chat:*` rooms and nothing elsewhere.
      permissions: { 'chat:*': ['subscribe', 'publish', 'presence', 'history'] },
      expiresIn: 3600,
    });
    json(res, 200, { token, expiresAt });
  } catch (error) {
    json(res, 500, { error: (error as Error).message });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk;
      if (body.length > 4096) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body || '{}'));
    req.on('error', reject);
  });
}

async function serveFile(dir: string, path: string, res: ServerResponse): Promise<void> {
  const relative = normalize(path).replace(/^(\.\.[/\\])+/, '');
  const file = join(dir, relative === '/' ? 'index.html' : relative);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    // Unknown paths get the app.
    res.writeHead(200, { 'content-type': TYPES['.html']! }).end(await readFile(join(dir, 'index.html')));
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
