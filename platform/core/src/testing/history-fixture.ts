import { ErrorCode, RelayBoxError, type RoomMessage } from '@relaybox/protocol';
import { expect } from 'vitest';
import {
  DEFAULT_HISTORY_RETENTION,
  type HistoryAppendInput,
  type HistoryAppendResult,
  type HistoryQuery,
  type HistoryStore,
  queryMessages,
} from '../history-store.js';
import { MessageIdGenerator } from '../message-id.js';

export const HISTORY_APP = 'app-1';
export const HISTORY_OTHER_APP = 'app-2';
/** Default timestamps of test messages: well in the past, so nothing is near a real expiry. */
export const HISTORY_T0 = 1_700_000_000_000;

export type AppendOverrides = Partial<HistoryAppendInput> & { room: string };

/** Builds the suite's messages: the n-th has timestamp HISTORY_T0 + n unless overridden. */
export class HistoryFixture {
  private readonly ids = new MessageIdGenerator();
  private count = 0;

  input(over: AppendOverrides): HistoryAppendInput {
    const n = this.count++;
    return {
      appId: HISTORY_APP,
      id: this.ids.next(),
      event: 'msg',
      data: { n, text: `message ${n}` },
      clientId: 'alice',
      timestamp: HISTORY_T0 + n,
      retention: DEFAULT_HISTORY_RETENTION,
      idempotencyWindowMs: 120_000,
      ...over,
    };
  }

  /** `count` appends one after the other; `each(i)` overrides fields of the i-th. */
  async fill(
    store: HistoryStore,
    room: string,
    count: number,
    each: (i: number) => Partial<HistoryAppendInput> = () => ({}),
  ): Promise<HistoryAppendResult[]> {
    const out: HistoryAppendResult[] = [];
    for (let i = 0; i < count; i++) out.push(await store.append(this.input({ room, ...each(i) })));
    return out;
  }
}

/** Every page of a query, following `next` (through `stores` in turn) until it is absent. */
export async function allPages(
  stores: HistoryStore[],
  appId: string,
  room: string,
  query: HistoryQuery,
): Promise<RoomMessage[][]> {
  const pages: RoomMessage[][] = [];
  let page = await queryMessages(stores[0] as HistoryStore, appId, room, query);
  pages.push(page.items);
  while (page.next !== undefined) {
    if (pages.length > 10_000) throw new Error('cursor never ends');
    const store = stores[pages.length % stores.length] as HistoryStore;
    page = await queryMessages(store, appId, room, { cursor: page.next });
    pages.push(page.items);
  }
  return pages;
}

export const seqsOf = (items: RoomMessage[]): number[] => items.map((m) => m.seq);
export const range = (from: number, to: number): number[] =>
  from <= to
    ? Array.from({ length: to - from + 1 }, (_, i) => from + i)
    : Array.from({ length: from - to + 1 }, (_, i) => from - i);

/** Fails unless `promise` rejects with `RelayBoxError(invalid_request)` whose message matches. */
export async function expectInvalidRequest(promise: Promise<unknown>, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => new Error('expected a rejection, the promise resolved'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayBoxError);
  expect((error as RelayBoxError).code).toBe(ErrorCode.InvalidRequest);
  if (message) expect((error as RelayBoxError).message).toMatch(message);
}
