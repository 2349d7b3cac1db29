import { DEFAULT_LIMITS, ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { toSocketUrl } from './socket-url.js';

/**
 * Any WebSocket class with the browser's shape: the global `WebSocket` of browsers (and of Node 22+),
 * or `WebSocket` from the `ws` package on Node 20.
 */
export type WebSocketConstructor = new (url: string, protocols: string[]) => unknown;

/** The subset of `fetch` the SDK uses. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** What `getToken` may return: the JWT itself, or an object carrying it. */
export type TokenResult = string | { token: string };

export interface RelayBoxOptions {
  /** Gateway URL, or several tried in turn: `ws(s)://host/v1/ws`, or an `http(s)://host` base. */
  url: string | readonly string[];
  // Exactly one credential:
  /** A JWT. It cannot be renewed, so the connection ends when it expires. */
  token?: string;
  /** Returns a fresh JWT; called on connect when the current token is (about to be) expired, and before expiry. */
  getToken?: (params: { clientId: string | undefined }) => Promise<TokenResult> | TokenResult;
  /** Your endpoint that issues tokens: POSTed `{clientId}` as JSON with cookies; answers `{token}` or the JWT as text. */
  authEndpoint?: string;
  /** An API key `<appId>.<keyId>:<secret>`: for trusted server-side code only, never in a browser. */
  apiKey?: string;
  /** Sent to `authEndpoint`/`getToken`, and with `apiKey` as the connection's clientId. */
  clientId?: string;
  /** WebSocket implementation; defaults to the global one. On Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation for `authEndpoint`; defaults to the global one. */
  fetch?: FetchLike;
  /** Floor of the reconnect backoff. Default 250 ms. */
  minReconnectDelayMs?: number;
  /** Ceiling of the reconnect backoff, and the retry interval once suspended. Default 15 s. */
  maxReconnectDelayMs?: number;
  /** Disconnected for this long (or never connected for this long), the state becomes 'suspended'. Default 60 s. */
  suspendedAfterMs?: number;
  /** Time for the server to answer a request (join, publish...) and for a token to be obtained. Default 10 s. */
  requestTimeoutMs?: number;
  /** Time from opening a socket to the server's `connected` frame. Default 10 s. */
  connectTimeoutMs?: number;
}

export type Credential =
  | { kind: 'token'; token: string }
  | { kind: 'getToken'; getToken: NonNullable<RelayBoxOptions['getToken']> }
  | { kind: 'authEndpoint'; authEndpoint: string; fetch: FetchLike }
  | { kind: 'apiKey'; apiKey: string };

export interface ResolvedOptions {
  urls: readonly string[];
  credential: Credential;
  clientId: string | undefined;
  WebSocket: WebSocketConstructor;
  minReconnectDelayMs: number;
  maxReconnectDelayMs: number;
  suspendedAfterMs: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
}

/** RFC 7230 `token` characters: what a `Sec-WebSocket-Protocol` entry may contain. */
export const PROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const invalid = (message: string) => new RelayBoxError(ErrorCode.InvalidOptions, message);

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${name} must be a positive number of milliseconds`);
  }
  return value;
}

function resolveCredential(options: RelayBoxOptions): Credential {
  const given = (['token', 'getToken', 'authEndpoint', 'apiKey'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length !== 1) {
    throw invalid(
      `pass exactly one of token, getToken, authEndpoint, apiKey (got ${given.join(', ') || 'none'})`,
    );
  }
  const { token, getToken, authEndpoint, apiKey } = options;
  if (token !== undefined) {
    if (typeof token !== 'string' || !PROTOCOL_TOKEN.test(token)) throw invalid('token must be a JWT string');
    return { kind: 'token', token };
  }
  if (getToken !== undefined) {
    if (typeof getToken !== 'function') throw invalid('getToken must be a function');
    return { kind: 'getToken', getToken };
  }
  if (authEndpoint !== undefined) {
    if (typeof authEndpoint !== 'string' || authEndpoint === '') throw invalid('authEndpoint must be a URL');
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw invalid('authEndpoint needs fetch: pass the `fetch` option');
    // Called as a plain function: a browser's fetch throws "Illegal invocation" with a foreign `this`.
    return { kind: 'authEndpoint', authEndpoint, fetch: (input, init) => fetchImpl(input, init) };
  }
  if (typeof apiKey !== 'string' || !/^[^.:]+\.[^:]+:.+$/.test(apiKey)) {
    throw invalid('apiKey must look like <appId>.<keyId>:<secret>');
  }
  return { kind: 'apiKey', apiKey };
}

/** Validates options and applies defaults. Throws RelayBoxError 'invalid_options'. */
export function resolveOptions(options: RelayBoxOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options are required');
  const list = typeof options.url === 'string' ? [options.url] : [...(options.url ?? [])];
  if (list.length === 0) throw invalid('url is required');
  const urls = list.map((url) => toSocketUrl(url));
  const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocketImpl !== 'function') {
    throw invalid('no global WebSocket: on Node 20 pass `WebSocket` from the ws package');
  }
  const { clientId } = options;
  if (clientId !== undefined) {
    if (
      typeof clientId !== 'string' ||
      clientId === '' ||
      clientId.length > DEFAULT_LIMITS.maxClientIdLength
    ) {
      throw invalid(
        `clientId must be a non-empty string of at most ${DEFAULT_LIMITS.maxClientIdLength} characters`,
      );
    }
  }
  const minReconnectDelayMs = positive(options.minReconnectDelayMs, 'minReconnectDelayMs', 250);
  const maxReconnectDelayMs = positive(options.maxReconnectDelayMs, 'maxReconnectDelayMs', 15_000);
  if (minReconnectDelayMs > maxReconnectDelayMs) {
    throw invalid('minReconnectDelayMs must not exceed maxReconnectDelayMs');
  }
  return {
    urls,
    credential: resolveCredential(options),
    clientId,
    WebSocket: WebSocketImpl,
    minReconnectDelayMs,
    maxReconnectDelayMs,
    suspendedAfterMs: positive(options.suspendedAfterMs, 'suspendedAfterMs', 60_000),
    requestTimeoutMs: positive(options.requestTimeoutMs, 'requestTimeoutMs', 10_000),
    connectTimeoutMs: positive(options.connectTimeoutMs, 'connectTimeoutMs', 10_000),
  };
}
