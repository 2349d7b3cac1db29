import type { HistoryPage, HistoryParams, RelayBoxError, Room, RoomMessage } from '@relaybox/client';
import { useCallback, useEffect, useRef, useState } from 'react';

export interface HistoryState {
  /** The pages read so far, in the query's direction (newest first by default). */
  items: RoomMessage[];
  /** More pages exist: `next()` reads the following one. */
  hasNext: boolean;
  loading: boolean;
  error: RelayBoxError | undefined;
  /** Reads the next page (appended to `items`); a no-op while loading or after the last page. */
  next(): void;
}

interface Loaded {
  items: RoomMessage[];
  page: HistoryPage | undefined;
  loading: boolean;
  error: RelayBoxError | undefined;
}

const START: Loaded = { items: [], page: undefined, loading: false, error: undefined };

/**
 * Pages through `room`'s stored messages (`room.history.get(query)`, needs the `history`
 * permission): the first page when the room is there or `query` changes (compared by value), more
 * with `next()`.
 */
export function useHistory(room: Room | undefined, query: HistoryParams = {}): HistoryState {
  const key = JSON.stringify(query);
  const [state, setState] = useState(START);
  /** The load that is current; answers of older ones are dropped. */
  const current = useRef<object>({});
  const run = useCallback((read: () => Promise<HistoryPage>, reset: boolean) => {
    const token = {};
    current.current = token;
    setState((s) => ({ ...(reset ? START : s), loading: true }));
    read().then(
      (page) => {
        if (current.current !== token) return;
        setState((s) => ({ items: [...s.items, ...page.items], page, loading: false, error: undefined }));
      },
      (error: RelayBoxError) => {
        if (current.current === token) setState((s) => ({ ...s, loading: false, error }));
      },
    );
  }, []);
  useEffect(() => {
    if (!room?.joined) {
      current.current = {};
      setState(START);
      return;
    }
    run(() => room.history.get(JSON.parse(key) as HistoryParams), true);
  }, [room, key, run]);
  const { page, loading } = state;
  const next = useCallback(() => {
    if (!page?.hasNext || loading) return;
    run(() => page.next() as Promise<HistoryPage>, false);
  }, [page, loading, run]);
  return { items: state.items, hasNext: page?.hasNext ?? false, loading, error: state.error, next };
}
