import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { ResponseGuard, statusLine } from '../uws/http.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console talks to the inspector API on this origin and to the local daemon on another
 * loopback port; nothing else. No inline script or style, no framing, no plugins.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' http://127.0.0.1:* http://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['content-security-policy', CONSOLE_CSP],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
];

/** What a console URL maps to: a file under the console dir, or the app shell (index.html). */
export type ConsoleTarget = { kind: 'file'; path: string; asset: boolean } | { kind: 'invalid' };

/**
 * Maps `/console/...` to a path inside `root`. Percent-decoded before checking, so `%2e%2e` and
 * `..%2f` are caught; any `.`/`..`/dot-file segment, backslash or NUL is refused outright rather
 * than normalised, and the result is checked to stay inside `root`.
 */
export function consoleTarget(root: string, url: string): ConsoleTarget {
  let rest: string;
  try {
    rest = decodeURIComponent(url.slice('/console'.length));
  } catch {
    return { kind: 'invalid' };
  }
  if (rest.includes('\0') || rest.includes('\\')) return { kind: 'invalid' };
  const segments = rest.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'invalid' };
  const path = segments.length === 0 ? join(root, 'index.html') : join(root, ...segments);
  if (!path.startsWith(root + sep)) return { kind: 'invalid' };
  return { kind: 'file', path, asset: segments[0] === 'assets' };
}

/**
 * Serves the built console (desktop/dist/console) at `/console`: its files with their content
 * type, and `index.html` for `/console` and every other sub-path (client-side routes) except
 * missing `/console/assets/...`, which are 404. Only GET.
 */
export function mountConsoleRoutes(app: TemplatedApp, dir: string): void {
  const root = resolve(dir);
  const handler = (res: HttpResponse, req: { getMethod(): string; getUrl(): string }) => {
    const method = req.getMethod().toUpperCase();
    const guard = new ResponseGuard(res, { head: method === 'HEAD' });
    if (method !== 'GET') {
      guard.error(new RelayBoxError(ErrorCode.MethodNotAllowed, `${method} is not allowed on the console`));
      return;
    }
    const target = consoleTarget(root, req.getUrl());
    if (target.kind === 'invalid') {
      guard.error(new RelayBoxError(ErrorCode.NotFound, 'no such console file'));
      return;
    }
    serve(guard, root, target).catch((error: unknown) => guard.error(error));
  };
  app.any('/console', handler);
  app.any('/console/*', handler);
}

async function serve(guard: ResponseGuard, root: string, target: { path: string; asset: boolean }) {
  const index = join(root, 'index.html');
  let path = target.path;
  if (!(await isFile(path))) {
    if (target.asset) throw new RelayBoxError(ErrorCode.NotFound, 'no such console file');
    path = index;
  }
  if (path === index && !(await isFile(index))) {
    throw new RelayBoxError(
      ErrorCode.NotFound,
      `the console is not built (no ${index}): run \`node scripts/build-console.mjs\``,
    );
  }
  const body = await readFile(path);
  // Hashed asset names change with their content; the shell must always be revalidated.
  const cache = target.asset ? 'public, max-age=31536000, immutable' : 'no-cache';
  send(guard, body, CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', cache);
}

function send(guard: ResponseGuard, body: Buffer, contentType: string, cache: string): void {
  if (guard.aborted) return;
  guard.res.cork(() => {
    guard.res.writeStatus(statusLine(200)).writeHeader('content-type', contentType);
    guard.res.writeHeader('cache-control', cache);
    for (const [name, value] of SECURITY_HEADERS) guard.res.writeHeader(name, value);
    guard.res.end(body);
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
