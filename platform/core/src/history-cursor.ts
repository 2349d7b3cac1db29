import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  type HistoryDirection,
  type HistoryQuery,
  invalidRequest,
  requireInteger,
} from './history-store.js';

/** The filters of a history query, as a cursor carries them to the next page. */
export interface HistoryFilters {
  limit: number;
  fromSeq?: number;
  toSeq?: number;
  start?: number;
  end?: number;
  event?: string;
}

export interface HistoryCursorState {
  appId: string;
  room: string;
  direction: HistoryDirection;
  /** Seq of the last message the earlier pages covered; the next page starts strictly after it. */
  position: number;
  filters: HistoryFilters;
}

/** A validated query, ready for a store: a fresh one or one continued from a cursor. */
export interface ResolvedHistoryQuery extends HistoryFilters {
  direction: HistoryDirection;
  /** Set when continuing: only seqs strictly after this one, in `direction`. */
  after?: number;
}

const VERSION = 1;
const MIN_SECRET_BYTES = 32;
const MAX_EVENT_FILTER_LENGTH = 1024;
/** `<base64url JSON>.<base64url HMAC-SHA256>`; bounded so a hostile token costs nothing to refuse. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{43}$/;
/** Domain separation: the same secret used for anything else never yields a valid cursor MAC. */
const MAC_CONTEXT = 'relaybox.history-cursor.v1:';

/**
 * Opaque, unforgeable history cursors: base64url JSON `{v, appId, room, direction, position,
 * filters}` and an HMAC-SHA256 over it with a server secret. `decode` accepts only tokens this
 * secret issued for the same app and room, compares MACs in constant time, and refuses everything
 * else with `invalid_request`. Every gateway that can serve a room's history needs the same secret.
 * The content is not encrypted: it only holds what its holder asked for.
 */
export class HistoryCursor {
  readonly #key: Buffer;

  /** `secret`: at least 32 bytes (a string counts its UTF-8 bytes). */
  constructor(secret: string | Uint8Array) {
    const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (key.length < MIN_SECRET_BYTES) {
      throw new RangeError(`history cursor secret must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.#key = key;
  }

  /** A codec with a random secret: for a single process (its cursors die with it). */
  static random(): HistoryCursor {
    return new HistoryCursor(randomBytes(MIN_SECRET_BYTES));
  }

  encode(state: HistoryCursorState): string {
    const { appId, room, direction, position, filters } = state;
    const json = JSON.stringify({ v: VERSION, appId, room, direction, position, filters });
    const body = Buffer.from(json, 'utf8').toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The state of a token issued for this app and room; throws `invalid_request` otherwise. */
  decode(token: unknown, appId: string, room: string): HistoryCursorState {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) {
      throw invalidRequest('history cursor is malformed');
    }
    const dot = token.indexOf('.');
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'latin1');
    const expected = Buffer.from(this.#mac(body), 'latin1');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidRequest('history cursor does not verify (altered, or issued by another server)');
    }
    const state = parseState(Buffer.from(body, 'base64url').toString('utf8'));
    if (state.appId !== appId || state.room !== room) {
      throw invalidRequest('history cursor was issued for another app or room');
    }
    return state;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(MAC_CONTEXT).update(body).digest('base64url');
  }
}

/**
 * Validates a query and, with a cursor, continues the cursor's query. Throws `invalid_request` for
 * any field out of bounds, a bad cursor, or a field that contradicts the cursor's.
 */
export function resolveHistoryQuery(
  query: HistoryQuery,
  appId: string,
  room: string,
  cursors: HistoryCursor,
): ResolvedHistoryQuery {
  if (typeof query !== 'object' || query === null) throw invalidRequest('history query must be an object');
  const fresh = validateFilters(query, query.limit ?? HISTORY_DEFAULT_LIMIT);
  const direction = query.direction ?? 'backwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw invalidRequest('"direction" must be "forwards" or "backwards"');
  }
  if (query.cursor === undefined) return { ...fresh, direction };

  const state = cursors.decode(query.cursor, appId, room);
  if (query.direction !== undefined && query.direction !== state.direction) {
    throw invalidRequest('"direction" differs from the cursor\'s');
  }
  for (const field of ['fromSeq', 'toSeq', 'start', 'end', 'event'] as const) {
    if (query[field] !== undefined && query[field] !== state.filters[field]) {
      throw invalidRequest(`"${field}" differs from the cursor's`);
    }
  }
  return {
    ...state.filters,
    limit: query.limit ?? state.filters.limit,
    direction: state.direction,
    after: state.position,
  };
}

/** The cursor that continues `query` after `position`. */
export function encodeNextCursor(
  cursors: HistoryCursor,
  appId: string,
  room: string,
  query: ResolvedHistoryQuery,
  position: number,
): string {
  const { direction, after: _after, ...filters } = query;
  return cursors.encode({ appId, room, direction, position, filters });
}

/** The inclusive seq range a resolved query still covers (empty when `lo > hi`). */
export function historySeqRange(query: ResolvedHistoryQuery): { lo: number; hi: number } {
  let lo = Math.max(query.fromSeq ?? 1, 1);
  let hi = query.toSeq ?? Number.MAX_SAFE_INTEGER;
  if (query.after !== undefined) {
    if (query.direction === 'forwards') lo = Math.max(lo, query.after + 1);
    else hi = Math.min(hi, query.after - 1);
  }
  return { lo, hi };
}

function validateFilters(source: Partial<HistoryFilters>, limit: unknown): HistoryFilters {
  requireInteger(limit, 'limit', 1, HISTORY_MAX_LIMIT);
  const filters: HistoryFilters = { limit: limit as number };
  for (const field of ['fromSeq', 'toSeq', 'start', 'end'] as const) {
    const value = source[field];
    if (value === undefined) continue;
    requireInteger(value, field, 0);
    filters[field] = value;
  }
  if (source.event !== undefined) {
    const event = source.event;
    if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_FILTER_LENGTH) {
      throw invalidRequest(`"event" must be a string of 1-${MAX_EVENT_FILTER_LENGTH} characters`);
    }
    filters.event = event;
  }
  return filters;
}

/** Parses a verified cursor body; a shape this version did not issue is refused, never trusted. */
function parseState(json: string): HistoryCursorState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw invalidRequest('history cursor is malformed');
  }
  const s = raw as Partial<HistoryCursorState> & { v?: unknown };
  const ok =
    typeof s === 'object' &&
    s !== null &&
    s.v === VERSION &&
    typeof s.appId === 'string' &&
    typeof s.room === 'string' &&
    (s.direction === 'forwards' || s.direction === 'backwards') &&
    Number.isSafeInteger(s.position) &&
    (s.position as number) >= 0 &&
    typeof s.filters === 'object' &&
    s.filters !== null;
  if (!ok) throw invalidRequest('history cursor is malformed');
  let filters: HistoryFilters;
  try {
    filters = validateFilters(s.filters as Partial<HistoryFilters>, s.filters?.limit);
  } catch {
    throw invalidRequest('history cursor is malformed');
  }
  return {
    appId: s.appId as string,
    room: s.room as string,
    direction: s.direction as HistoryDirection,
    position: s.position as number,
    filters,
  };
}
