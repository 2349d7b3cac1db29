import type { RelayBoxError, Room, RoomMessage } from '@relaybox/client';
import { useEffect, useState } from 'react';
import { mergeBySeq } from './seq-list.js';

export interface UseMessagesOptions {
  /**
   * Load stored messages when the room arrives: how many (`true`: 100). Needs the `history`
   * permission. With history on, a `discontinuity` reloads the list from history.
   */
  history?: number | boolean;
}

export interface MessagesState {
  /** Ascending seq, each seq once: stored ones (if asked for) and live ones. */
  messages: RoomMessage[];
  /** A history load is in flight. */
  loading: boolean;
  /** The last history load failed. */
  error: RelayBoxError | undefined;
}

const EMPTY: MessagesState = { messages: [], loading: false, error: undefined };

function historyLimit(history: UseMessagesOptions['history']): number {
  if (history === true) return 100;
  return typeof history === 'number' && history > 0 ? Math.min(history, 1000) : 0;
}

/**
 * The messages of `room` (all events, or one) from the moment the room is there, in seq order.
 * Listening starts before history is read, so nothing falls between the two. On `discontinuity`
 * (messages lost to this client, see docs/client.md) the list is reloaded from history: it then
 * holds the newest stored page and what arrived since, with no hole.
 */
export function useMessages(
  room: Room | undefined,
  event?: string,
  options: UseMessagesOptions = {},
): MessagesState {
  const limit = historyLimit(options.history);
  const [state, setState] = useState(EMPTY);
  useEffect(() => {
    setState(EMPTY);
    if (!room?.joined) return;
    let active = true;
    let load = 0;
    const onMessage = (message: RoomMessage) => {
      if (active) setState((s) => ({ ...s, messages: mergeBySeq(s.messages, [message]) }));
    };
    const offMessages = event ? room.subscribe(event, onMessage) : room.subscribe(onMessage);
    function reload(replace: boolean): void {
      if (!room || !limit) return;
      const current = ++load;
      setState((s) => ({ ...s, loading: true }));
      room.history.get({ limit, ...(event ? { event } : {}) }).then(
        (page) => {
          if (!active || current !== load) return;
          const stored = page.items.reverse();
          const newest = stored.at(-1)?.seq ?? 0;
          setState((s) => {
            const kept = replace ? s.messages.filter((m) => m.seq > newest) : s.messages;
            return { messages: mergeBySeq(kept, stored), loading: false, error: undefined };
          });
        },
        (error: RelayBoxError) => {
          if (active && current === load) setState((s) => ({ ...s, loading: false, error }));
        },
      );
    }
    const offGap = room.on('discontinuity', () => reload(true));
    reload(false);
    return () => {
      active = false;
      offGap();
      // One task later, like the leases: StrictMode's remount subscribes again first, so the
      // server-side subscription is never dropped and re-made.
      setTimeout(offMessages, 0);
    };
  }, [room, event, limit]);
  return state;
}
