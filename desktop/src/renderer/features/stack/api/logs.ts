import { queryOptions, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { describeError } from '../../../lib/http.js';
import { followEventStream } from '../../../lib/sse.js';
import type { LogLine } from '../../../lib/stack-types.js';
import { daemonGet, requireDaemon } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

/** Lines kept in memory per followed service; older ones are dropped. */
export const MAX_LOG_LINES = 2000;
const TAIL = 200;

const logsPath = (service: string, follow: boolean) =>
  `/api/services/${encodeURIComponent(service)}/logs?tail=${TAIL}${follow ? '&follow=1' : ''}`;

export const fetchLogs = (connection: ConsoleConnection, service: string) =>
  daemonGet<{ items: LogLine[] }>(requireDaemon(connection), logsPath(service, false));

export const logsQueryOptions = (connection: ConsoleConnection, service: string) =>
  queryOptions({
    queryKey: ['daemon', 'logs', service],
    queryFn: () => fetchLogs(connection, service),
    enabled: connection.daemon !== undefined && service !== '',
  });

export interface LogsState {
  lines: LogLine[];
  error: string | undefined;
  loading: boolean;
}

/**
 * One service's log lines. Without `follow`: the last lines, fetched once (react-query). With
 * `follow`: the daemon's SSE stream, read with fetch, appended as lines arrive.
 */
export function useServiceLogs(service: string, follow: boolean): LogsState {
  const connection = useConsoleConnection();
  const snapshot = useQuery({ ...logsQueryOptions(connection, service), enabled: !follow && service !== '' });
  const followed = useFollowedLogs(connection, follow ? service : '');
  if (follow) return followed;
  return {
    lines: snapshot.data?.items ?? [],
    error: snapshot.isError ? describeError(snapshot.error) : undefined,
    loading: snapshot.isPending && service !== '',
  };
}

function useFollowedLogs(connection: ConsoleConnection, service: string): LogsState {
  const [state, setState] = useState<LogsState>({ lines: [], error: undefined, loading: false });
  useEffect(() => {
    if (!service || !connection.daemon) return;
    const daemon = connection.daemon;
    const abort = new AbortController();
    let pending: LogLine[] = [];
    setState({ lines: [], error: undefined, loading: true });
    // Lines are applied in batches so a burst of output renders once per frame, not per line.
    const flush = window.setInterval(() => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setState((s) => ({
        lines: [...s.lines, ...batch].slice(-MAX_LOG_LINES),
        error: undefined,
        loading: false,
      }));
    }, 100);
    followEventStream(`${daemon.url}${logsPath(service, true)}`, daemon.secret, abort.signal, (data) => {
      try {
        pending.push(JSON.parse(data) as LogLine);
      } catch {
        // A malformed line is skipped; the stream goes on.
      }
    })
      .then(() => {
        if (!abort.signal.aborted) setState((s) => ({ ...s, loading: false }));
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setState((s) => ({ ...s, error: describeError(error), loading: false }));
      });
    return () => {
      abort.abort();
      window.clearInterval(flush);
    };
  }, [connection.daemon, service]);
  return state;
}
