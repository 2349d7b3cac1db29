import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@relaybox/protocol';
import { DaemonError } from './daemon-errors.js';

/**
 * The daemon's three gates, checked in this order on every request:
 * 1. Host must name the loopback port the daemon listens on (a DNS-rebinding page sends its own
 *    host name) — 403.
 * 2. An `Origin`, when present, must be the stack's own origin (where its console is served),
 *    its localhost/127.0.0.1 twin, or one of the explicitly configured console origins (no other
 *    web page may drive the stack even with a leaked secret) — 403. Nothing is trusted by
 *    default: not even port 9000, which may be another program's. Requests without Origin come from
 *    non-browser clients (CLI, Electron main) and pass on to the secret check.
 * 3. `Authorization: Bearer <secret>`, compared in constant time — 401. Preflight OPTIONS
 *    requests carry no credentials and are answered after gates 1 and 2 only.
 */
export class DaemonGuard {
  private readonly secret: Buffer;
  private readonly configured: Set<string>;
  private stackOrigins = new Set<string>();

  constructor(secret: string, consoleOrigins: readonly string[] = []) {
    this.secret = Buffer.from(secret, 'utf8');
    this.configured = new Set(consoleOrigins.map(normalizeOrigin));
  }

  /** The stack's current origin (and its loopback twin), replacing the one it had before. */
  setStackOrigin(origin: string): void {
    this.stackOrigins = new Set(loopbackTwins(origin));
  }

  checkHost(req: IncomingMessage, port: number): void {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new DaemonError(
        403,
        ErrorCode.PermissionDenied,
        `daemon refuses Host "${host}": only 127.0.0.1:${port} and localhost:${port} are accepted`,
      );
    }
  }

  /** Returns the allowed Origin to echo in CORS headers, or undefined when the request had none. */
  checkOrigin(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    const normal = normalizeOrigin(origin);
    if (!this.configured.has(normal) && !this.stackOrigins.has(normal)) {
      throw new DaemonError(403, ErrorCode.PermissionDenied, `daemon refuses requests from origin ${origin}`);
    }
    return origin;
  }

  checkSecret(req: IncomingMessage): void {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer (\S+)$/i.exec(header);
    if (!match) {
      throw new DaemonError(401, ErrorCode.Unauthorized, 'daemon requires Authorization: Bearer <secret>');
    }
    const given = Buffer.from(match[1]!, 'utf8');
    // timingSafeEqual needs equal lengths; comparing against itself keeps the time independent
    // of where a wrong secret differs.
    const ok =
      given.length === this.secret.length
        ? timingSafeEqual(given, this.secret)
        : !timingSafeEqual(this.secret, this.secret);
    if (!ok) throw new DaemonError(401, ErrorCode.InvalidCredentials, 'daemon secret is invalid');
  }
}

/** CORS headers for an allowed origin (none for requests without Origin). */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

/** `null` (opaque renderer origins) and `file://` stay as they are; URLs lose path and case. */
function normalizeOrigin(origin: string): string {
  if (origin === 'null' || origin.startsWith('file:')) return origin === 'null' ? 'null' : 'file://';
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

function loopbackTwins(origin: string): string[] {
  try {
    const url = new URL(origin);
    const twins = [url.origin];
    for (const host of ['localhost', '127.0.0.1']) {
      if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') {
        twins.push(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
      }
    }
    return twins;
  } catch {
    return [];
  }
}
