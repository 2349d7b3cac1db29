import { type HistoryStore, messageItemsJson, parseMessageFrame } from '@relaybox/core';
import type { HistoryQueryParams } from '@relaybox/protocol';
import { JsonText } from './json-text.js';
import type { FanoutDrop } from './test-drop-switch.js';

export interface ReplayTarget {
  send(text: string): boolean;
  readonly closed: boolean;
}

const REPLAY_PAGE = 1000;

/**
 * History reads of the gateway: pages for `history` requests and REST, and the replay behind
 * `subscribe` with `fromSeq` (resume and catch-up).
 */
export class RoomHistory {
  constructor(
    private readonly store: HistoryStore,
    /** Without the `history` permission a replay may reach back this far only (the resume window). */
    private readonly recentWindowMs: number,
    /** TEST-ONLY broken build: replays skip what live fan-out dropped. */
    private readonly dropped?: FanoutDrop,
  ) {}

  /**
   * A page as clients receive it, `{"items":[...],"hasNext":...,"next"?:...}` (`next` is a function
   * in the SDK, a cursor string on the wire), built from the stored frames without parsing them.
   */
  async page(appId: string, room: string, query: HistoryQueryParams): Promise<JsonText> {
    const page = await this.store.query(appId, room, query);
    const items = messageItemsJson(page.frames);
    return new JsonText(
      page.next === undefined
        ? `{"items":${items},"hasNext":false}`
        : `{"items":${items},"hasNext":true,"next":${JSON.stringify(page.next)}}`,
    );
  }

  /** The room's last assigned seq (0 for a new room): a new subscriber's baseline for recovery. */
  async latestSeq(appId: string, room: string): Promise<number> {
    return (await this.store.bounds(appId, room)).latestSeq;
  }

  /**
   * Sends the room's messages from `fromSeq` up to the latest seq at call time, in order, after the
   * caller subscribed (so nothing falls between replay and live; the SDK dedupes the overlap).
   * When history no longer holds `fromSeq` (trimmed, or older than the recent window for a client
   * without the `history` permission), a `discontinuity` frame comes first.
   * Resolves the number of messages replayed and the latest seq the replay went up to.
   */
  async replay(
    appId: string,
    room: string,
    fromSeq: number,
    canReadHistory: boolean,
    target: ReplayTarget,
  ): Promise<{ replayed: number; latestSeq: number }> {
    const bounds = await this.store.bounds(appId, room);
    const { latestSeq } = bounds;
    if (fromSeq > latestSeq) return { replayed: 0, latestSeq };
    const base = {
      direction: 'forwards' as const,
      limit: REPLAY_PAGE,
      toSeq: bounds.latestSeq,
      ...(canReadHistory ? {} : { start: Date.now() - this.recentWindowMs }),
    };
    let page = await this.store.query(appId, room, { ...base, fromSeq });
    const head = page.frames[0];
    const first = head === undefined ? bounds.latestSeq + 1 : parseMessageFrame(head).seq;
    if (first > fromSeq) {
      target.send(JSON.stringify({ type: 'discontinuity', room, fromSeq, oldestSeq: first }));
    }
    let replayed = 0;
    for (;;) {
      // Stored frames are the live frames byte for byte: sent as they are.
      for (const frame of page.frames) {
        if (target.closed) return { replayed, latestSeq };
        // TEST-ONLY broken build: the frame is parsed only when the switch is on.
        if (this.dropped?.drops(parseMessageFrame(frame), appId)) continue;
        target.send(frame);
        replayed++;
      }
      if (page.next === undefined || target.closed) return { replayed, latestSeq };
      page = await this.store.query(appId, room, { ...base, cursor: page.next });
    }
  }
}
