import { ErrorCode, RelayBoxError } from './errors.js';
import type { HistoryQueryParams, RoomMessage } from './frames.js';
import { parseHistoryQuery } from './parse-frame.js';

/**
 * What `room.history.get` and `rest.history` accept: `direction` (default 'backwards', newest
 * first), `limit` (1-1000, default 100), inclusive `fromSeq`/`toSeq` and `start`/`end` (ms since the
 * epoch) bounds, and one `event` name. The cursor is the SDK's to send (`page.next()`).
 */
export type HistoryParams = Omit<HistoryQueryParams, 'cursor'>;

/** One page of a room's history, as both SDKs return it. */
export interface HistoryPage {
  readonly items: RoomMessage[];
  /** True when more matching messages exist past this page. */
  readonly hasNext: boolean;
  /** The following page, in the same direction and bounds; resolves null when `hasNext` is false. */
  next(): Promise<HistoryPage | null>;
}

/**
 * Checks `params` the way the server does and keeps only the query fields. Throws RelayBoxError
 * 'invalid_request' before anything is sent.
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

/** Reads a `{ items, hasNext, next? }` answer; `cursor` is set exactly when there is a next page. */
export function readHistoryPage(body: unknown): { items: RoomMessage[]; cursor: string | undefined } {
  const { items, hasNext, next } = (body ?? {}) as { items?: unknown; hasNext?: unknown; next?: unknown };
  if (!Array.isArray(items)) {
    throw new RelayBoxError(ErrorCode.Internal, 'history answered without { items, hasNext }');
  }
  const cursor = hasNext === true && typeof next === 'string' && next !== '' ? next : undefined;
  return { items: items as RoomMessage[], cursor };
}
