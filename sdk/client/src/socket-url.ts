import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** Path of the gateway's WebSocket endpoint, used when a URL has no path of its own. */
export const SOCKET_PATH = '/v1/ws';

/**
 * Turns a configured URL into the WebSocket endpoint: `http(s)` becomes `ws(s)`, and an empty path
 * becomes `/v1/ws` (`https://rb.example.com` → `wss://rb.example.com/v1/ws`). Any other path is kept.
 * Throws RelayBoxError 'invalid_options' for a URL that is not absolute http(s)/ws(s).
 */
export function toSocketUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, `url "${input}" is not an absolute URL`, { cause });
  }
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol];
  if (!scheme) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, `url "${input}" must use ws, wss, http or https`);
  }
  const path = url.pathname === '' || url.pathname === '/' ? SOCKET_PATH : url.pathname;
  return `${scheme}//${url.host}${path}${url.search}`;
}

/** Adds query parameters to an endpoint produced by `toSocketUrl`. */
export function withQuery(url: string, query: Readonly<Record<string, string>>): string {
  const entries = Object.entries(query);
  if (entries.length === 0) return url;
  const parsed = new URL(url);
  for (const [name, value] of entries) parsed.searchParams.set(name, value);
  return parsed.toString();
}
