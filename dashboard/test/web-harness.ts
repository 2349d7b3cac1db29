import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SECURITY_HEADERS } from '../api/src/security-headers.js';

export { launchChromium } from '../../scripts/test/chromium.js';

// Helpers of the dashboard's browser tests: the web build, a fresh PostgreSQL database, a front
// server standing in for the production reverse proxy, and headless Chromium.

export const DASHBOARD = fileURLToPath(new URL('../', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../../.artifacts/screenshots/', import.meta.url));
const WEB = join(DASHBOARD, 'web');
const DIST = join(WEB, 'dist');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds dashboard/web into dist when dist is missing or older than a source file, so the test
 * always drives the current UI. Returns the dist directory.
 */
export function ensureWebBuild(): string {
  const index = join(DIST, 'index.html');
  const sources = Math.max(
    newestMtime(join(WEB, 'src')),
    newestMtime(join(WEB, 'index.html')),
    newestMtime(join(WEB, 'vite.config.ts')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return DIST;
  const vite = join(DASHBOARD, 'node_modules/vite/bin/vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: DASHBOARD,
    stdio: 'pipe',
    timeout: 120_000,
  });
  return DIST;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, uniquely named PostgreSQL database; `drop()` removes it (even with open connections). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface FrontServer {
  url: string;
  close(): Promise<void>;
}

/**
 * One origin for the browser, like the production reverse proxy: the built SPA (with index.html
 * as fallback) and `/api/*` forwarded to the control plane. When the control plane is down it
 * answers 502 with a plain-text page, as nginx would, so the UI's error state is tested against
 * a non-API error body.
 */
export async function startFrontServer(dist: string, apiUrl: string): Promise<FrontServer> {
  const api = new URL(apiUrl);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api/')) {
      const upstream = request(
        { host: api.hostname, port: api.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('502 Bad Gateway');
      });
      req.pipe(upstream);
      return;
    }
    const file = normalize(join(dist, path));
    const inDist = file.startsWith(dist) && existsSync(file) && statSync(file).isFile();
    const target = inDist ? file : join(dist, 'index.html');
    // The headers the control plane sends with the app, so the browser runs it under that CSP.
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
    });
    res.end(readFileSync(target));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
