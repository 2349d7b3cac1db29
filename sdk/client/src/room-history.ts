import {
  ErrorCode,
  type HistoryQueryParams,
  parseHistoryQuery,
  RelayBoxError,
  type RoomMessage,
} from '@relaybox/protocol';
import { notJoined, type RoomHost } from './room-host.js';

/**
 * What `room.history.get` (and `rest.history`) accepts: `direction` (default 'backwards', newest
 * first), `limit` (1-1000, default 100), inclusive `fromSeq`/`toSeq` and `start`/`end` (ms since the
 * epoch) bounds, and one `event` name.
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

/** `room.history`: reads the room's stored messages over the connection (needs the `history` permission). */
export class RoomHistory {
  /** @internal Created by the room. */
  constructor(
    private readonly room: string,
    private readonly host: RoomHost,
    private readonly isJoined: () => boolean,
  ) {}

  /**
   * Resolves the first page of messages matching `params`. Bad params reject with 'invalid_request'
   * before anything is sent; a room that was left rejects with 'not_joined'.
   */
  async get(params: HistoryParams = {}): Promise<HistoryPage> {
    return this.page(historyQuery(params));
  }

  private async page(query: HistoryQueryParams): Promise<HistoryPage> {
    if (!this.isJoined()) throw notJoined(this.room);
    const result = await this.host.request<unknown>({ type: 'history', room: this.room, query });
    const { items, cursor } = readHistoryPage(result);
    return {
      items,
      hasNext: cursor !== undefined,
      next: () => (cursor === undefined ? Promise.resolve(null) : this.page({ ...query, cursor })),
    };
  }
}

/**
 * Checks `params` the way the server does and keeps only the query fields (the cursor is the SDK's
 * to send). Throws RelayBoxError 'invalid_request'.
 */
export function historyQuery(params: HistoryParams): HistoryQueryParams {
  if (typeof params !== 'object' || params === null) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'history params must be an object');
  }
  const { direction, limit, fromSeq, toSeq, start, end, event } = params;
  const picked = { direction, limit, fromSeq, toSeq, start, end, event };
  try {
    return parseHistoryQuery(picked);
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
