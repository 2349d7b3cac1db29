import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** The request headers the guard decides on (uWS: read them before any await). */
export interface AdminRequestHeaders {
  host: string;
  origin: string;
  authorization: string;
}

export interface AdminGuardOptions {
  token: string;
  /** `RELAYBOX_ADMIN_ALLOW_REMOTE=1`: any Host and Origin (the token is still required). */
  allowRemote: boolean;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host part of a Host header (`name[:port]`, `[v6][:port]`), lower-cased. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(hostName(host));
}

/** An `http(s)://` origin on a local host, any port. */
export function isLocalOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname);
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may use the admin API: the Host header must name a local host (a DNS-rebinding page reaches
 * us under its own name) and an Origin, when sent, must be a local http(s) origin, unless remote use
 * is allowed; then the bearer token must match. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither their content nor their length leaks through timing; they never
 * appear in an error or a log.
 */
export class AdminGuard {
  private readonly expected: Buffer;

  constructor(private readonly options: AdminGuardOptions) {
    this.expected = digest(options.token);
  }

  /** Throws the `RelayBoxError` to answer with (403 before 401: a foreign page learns nothing). */
  check(headers: AdminRequestHeaders): void {
    this.checkOrigin(headers);
    const match = /^Bearer\s+(.+)$/i.exec(headers.authorization.trim());
    if (!match) {
      throw new RelayBoxError(ErrorCode.Unauthorized, 'admin API: send Authorization: Bearer <admin token>');
    }
    if (!timingSafeEqual(digest(match[1] as string), this.expected)) {
      throw new RelayBoxError(ErrorCode.InvalidCredentials, 'admin API: wrong admin token');
    }
  }

  /** The Host/Origin part alone (also for CORS preflights, which carry no token). */
  checkOrigin(headers: Pick<AdminRequestHeaders, 'host' | 'origin'>): void {
    if (this.options.allowRemote) return;
    if (!isLocalHost(headers.host) || (headers.origin !== '' && !isLocalOrigin(headers.origin))) {
      throw new RelayBoxError(
        ErrorCode.PermissionDenied,
        'admin API is local-only (Host and Origin must be localhost, 127.0.0.1 or [::1]); set RELAYBOX_ADMIN_ALLOW_REMOTE=1 to lift this',
      );
    }
  }

  /** The origin to allow in CORS headers: a local one (or any, when remote use is allowed). */
  corsOrigin(origin: string): string | undefined {
    if (origin === '') return undefined;
    return this.options.allowRemote || isLocalOrigin(origin) ? origin : undefined;
  }
}
