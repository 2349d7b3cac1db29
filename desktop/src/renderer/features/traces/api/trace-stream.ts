import { useEffect, useState } from 'react';
import type { TraceEvent } from '../../../lib/admin-types.js';
import { describeError } from '../../../lib/http.js';
import { followEventStream } from '../../../lib/sse.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

/** Events kept on screen; older ones drop off. */
export const MAX_LIVE_EVENTS = 300;
const RECONNECT_MS = 2000;

export interface TraceStreamState {
  /** Newest first. */
  events: TraceEvent[];
  connected: boolean;
  error: string | undefined;
}

export const traceStreamUrl = (connection: ConsoleConnection) => `${connection.adminUrl}/traces/stream`;

/**
 * Follows `/v1/admin/traces/stream` (SSE read with fetch: EventSource cannot send the token) while
 * `enabled`; reconnects after a pause when the stream ends or fails.
 */
export function useTraceStream(enabled: boolean): TraceStreamState {
  const connection = useConsoleConnection();
  const [state, setState] = useState<TraceStreamState>({ events: [], connected: false, error: undefined });
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    let pending: TraceEvent[] = [];
    let retry: number | undefined;
    // Events are applied in batches so a burst renders once per tick, not once per event.
    const flush = window.setInterval(() => {
      if (pending.length === 0) return;
      const batch = pending.reverse();
      pending = [];
      setState((s) => ({ ...s, events: [...batch, ...s.events].slice(0, MAX_LIVE_EVENTS) }));
    }, 200);
    const follow = () => {
      setState((s) => ({ ...s, connected: true, error: undefined }));
      followEventStream(traceStreamUrl(connection), connection.adminToken, abort.signal, (data) => {
        try {
          pending.push(JSON.parse(data) as TraceEvent);
        } catch {
          // Not an event: skipped.
        }
      })
        .then(
          () => undefined,
          (error: unknown) => describeError(error),
        )
        .then((error) => {
          // A stream aborted by this effect's cleanup must not touch the state of the next one.
          if (abort.signal.aborted) return;
          setState((s) => ({ ...s, connected: false, error }));
          retry = window.setTimeout(follow, RECONNECT_MS);
        });
    };
    follow();
    return () => {
      abort.abort();
      window.clearInterval(flush);
      window.clearTimeout(retry);
    };
  }, [connection, enabled]);
  return state;
}
