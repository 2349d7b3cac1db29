import {
  ErrorCode,
  type HistoryQueryParams,
  parseHistoryQuery,
  RelayBoxError,
  type RoomMessage,
} from '@relaybox/protocol';

/**
 * What `rest.history` accepts: `direction` (default 'backwards', newest first), `limit` (1-1000,
 * default 100), inclusive `fromSeq`/`toSeq` and `start`/`end` (ms since the epoch) bounds, and one
 * `event` name.
 */
export type HistoryParams = Omit<HistoryQueryParams, 'cursor'>;

/** One page of a room's history. */
export interface HistoryPage {
  readonly items: RoomMessage[];
  /** True when more matching messages exist past this page. */
  readonly hasNext: boolean;
  /** The following page, in the same direction and bounds; resolves null when `hasNext` is false. */
  next(): Promise<HistoryPage | null>;
}

/**
 * Checks `params` the way the server does and keeps only the query fields (the cursor is the
 * client's to send). Throws RelayBoxError 'invalid_request'.
 */
export function historyQuery(params: HistoryParams): HistoryQueryParams {
  if (typeof params !== 'object' || params === null) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'history params must be an object');
  }
  const { direction, limit, fromSeq, toSeq, start, end, event } = params;
  try {
    return parseHistoryQuery({ direction, limit, fromSeq, toSeq, start, end, event });
  } catch (error) {
    const message = (error as Error).message.replace('"query.', '"');
    throw new RelayBoxError(ErrorCode.InvalidRequest, message, { cause: error });
  }
}

/** `?direction=…&limit=…&cursor=…`: the query's defined fields, in a fixed order. */
export function historySearch(query: HistoryQueryParams): string {
  const search = new URLSearchParams();
  const fields = ['direction', 'limit', 'fromSeq', 'toSeq', 'start', 'end', 'event', 'cursor'] as const;
  for (const field of fields) {
    const value = query[field];
    if (value !== undefined) search.set(field, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Reads a `{ items, hasNext, next? }` answer; `cursor` is set exactly when there is a next page. */
export function readHistoryPage(body: unknown): { items: RoomMessage[]; cursor: string | undefined } {
  const { items, hasNext, next } = (body ?? {}) as { items?: unknown; hasNext?: unknown; next?: unknown };
  if (!Array.isArray(items)) {
    throw new RelayBoxError(ErrorCode.Internal, 'history answered without { items, hasNext }');
  }
  const cursor = hasNext === true && typeof next === 'string' && next !== '' ? next : undefined;
  return { items: items as RoomMessage[], cursor };
}
