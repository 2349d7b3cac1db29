import {
  type HistoryPage,
  type HistoryParams,
  type HistoryQueryParams,
  historyQuery,
  readHistoryPage,
} from '@relaybox/protocol';
import { notJoined, type RoomHost } from './room-host.js';

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

export type { HistoryPage, HistoryParams };
