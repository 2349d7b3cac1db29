import {
  DEFAULT_LIMITS,
  ErrorCode,
  type HistoryQueryParams,
  historyQuery,
  type PresenceMember,
  type PublishAck,
  RelayBoxError,
  readHistoryPage,
  roomNameProblem,
  TRACEPARENT_MAX_LENGTH,
} from '@relaybox/protocol';
import { type ApiKey, parseApiKey } from './api-key.js';
import { RestUsers } from './auth-users.js';
import { type CreateTokenParams, createToken, type TokenDetails } from './create-token.js';
import { type HistoryPage, type HistoryParams, historySearch } from './history-page.js';
import { type FetchLike, requestJson } from './http-request.js';

export interface RelayBoxRestOptions {
  /** `<appId>.<keyId>:<secret>`. Server-side only: it signs tokens and authenticates REST calls. */
  apiKey: string;
  /** Base URL of the gateway, e.g. `http://localhost:9000` (a path prefix is kept). */
  url: string;
  /** fetch implementation; defaults to the global one. */
  fetch?: FetchLike;
  /** Time allowed for each HTTP request, body included. Default 10 s. */
  timeoutMs?: number;
}

export interface RestPublishOptions {
  /** A publish repeated with the same key within the server's window is stored and delivered once. */
  idempotencyKey?: string;
  /**
   * A W3C `traceparent` (e.g. of your OpenTelemetry span), sent as the `traceparent` header: the
   * gateway's spans of this message join that trace (docs/observability.md).
   */
  traceparent?: string;
}

const invalid = (message: string) => new RelayBoxError(ErrorCode.InvalidOptions, message);

/**
 * The RelayBox server-side client: signs client tokens locally and calls the REST API with the API
 * key. Every failure is a RelayBoxError.
 */
export class RelayBoxRest {
  private readonly key: ApiKey;
  private readonly baseUrl: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  /** The app's end users (live auth): list, get, disable, revoke sessions. */
  readonly users: RestUsers;

  /** Throws RelayBoxError 'invalid_options' for a malformed key or URL. */
  constructor(private readonly options: RelayBoxRestOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options are required');
    this.key = parseApiKey(options.apiKey);
    this.baseUrl = parseBaseUrl(options.url);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw invalid('no global fetch: pass the `fetch` option');
    this.fetch = (input, init) => fetchImpl(input, init);
    const { timeoutMs = 10_000 } = options;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw invalid('timeoutMs must be a positive number of milliseconds');
    }
    this.timeoutMs = timeoutMs;
    this.users = new RestUsers(this.key.appId, (method, path, body) => this.call(method, path, body));
  }

  /** Signs a token for a client locally (see `createToken`): `{ token, expiresAt }` with expiresAt in ms. */
  createToken(params: CreateTokenParams): Promise<TokenDetails> {
    return createToken(this.key, params);
  }

  /**
   * Publishes a message to a room (no need to join). Resolves with its `{ id, seq, timestamp }`
   * once stored. Room and event are checked locally first ('invalid_room_name', 'invalid_request').
   */
  async publish(
    room: string,
    event: string,
    data: unknown,
    options: RestPublishOptions = {},
  ): Promise<PublishAck> {
    checkRoom(room);
    checkString(event, 'event', DEFAULT_LIMITS.maxEventNameLength);
    const body: { event: string; data: unknown; idempotencyKey?: string } = { event, data: data ?? null };
    if (options.idempotencyKey !== undefined) {
      checkString(options.idempotencyKey, 'idempotencyKey', DEFAULT_LIMITS.maxIdempotencyKeyLength);
      body.idempotencyKey = options.idempotencyKey;
    }
    const extra: Record<string, string> = {};
    if (options.traceparent !== undefined) {
      checkString(options.traceparent, 'traceparent', TRACEPARENT_MAX_LENGTH);
      extra.traceparent = options.traceparent;
    }
    return toPublishAck(await this.call('POST', `${roomPath(room)}/messages`, body, extra));
  }

  /**
   * The first page of a room's stored messages matching `params` (needs the `history` permission,
   * no join); `page.next()` fetches the following one and resolves null after the last. Params are
   * checked locally first ('invalid_room_name', 'invalid_request').
   */
  async history(room: string, params: HistoryParams = {}): Promise<HistoryPage> {
    checkRoom(room);
    return this.historyPage(room, historyQuery(params));
  }

  /** Every member of a room's presence set (needs the `presence` permission). */
  async presence(room: string): Promise<PresenceMember[]> {
    checkRoom(room);
    const body = await this.call('GET', `${roomPath(room)}/presence`);
    const members = (body as { members?: unknown } | undefined)?.members;
    if (!Array.isArray(members)) {
      throw new RelayBoxError(ErrorCode.Internal, 'presence answered without { members }');
    }
    return members as PresenceMember[];
  }

  private async historyPage(room: string, query: HistoryQueryParams): Promise<HistoryPage> {
    const body = await this.call('GET', `${roomPath(room)}/messages${historySearch(query)}`);
    const { items, cursor } = readHistoryPage(body);
    return {
      items,
      hasNext: cursor !== undefined,
      next: () =>
        cursor === undefined ? Promise.resolve(null) : this.historyPage(room, { ...query, cursor }),
    };
  }

  /** One authenticated REST call (the API key as bearer, never in the URL). */
  private call(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<unknown> {
    const headers = { ...extraHeaders, authorization: `Bearer ${this.options.apiKey}` };
    const request = {
      method,
      url: `${this.baseUrl}${path}`,
      headers,
      ...(body === undefined ? {} : { body }),
    };
    return requestJson(this.fetch, request, this.timeoutMs);
  }
}

function checkRoom(room: unknown): void {
  const problem = roomNameProblem(room);
  if (problem) throw new RelayBoxError(ErrorCode.InvalidRoomName, problem);
}

const roomPath = (room: string) => `/v1/rooms/${encodeURIComponent(room)}`;

function parseBaseUrl(url: unknown): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch (cause) {
    throw new RelayBoxError(ErrorCode.InvalidOptions, 'url must be an absolute http(s) URL', { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid('url must be an absolute http(s) URL');
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function checkString(value: unknown, field: string, max: number): void {
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `${field} must be a non-empty string of at most ${max} characters`,
    );
  }
}

function toPublishAck(body: unknown): PublishAck {
  const { id, seq, timestamp } = (body ?? {}) as Partial<PublishAck>;
  if (typeof id !== 'string' || typeof seq !== 'number' || typeof timestamp !== 'number') {
    throw new RelayBoxError(ErrorCode.Internal, 'publish answered without { id, seq, timestamp }');
  }
  return { id, seq, timestamp };
}
