import { queryOptions, useQuery } from '@tanstack/react-query';
import type { TraceEvent } from '../../../lib/admin-types.js';
import { adminGet, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export interface TraceFilter {
  messageId?: string;
  room?: string;
  appId?: string;
  limit?: number;
}

export function fetchTraces(connection: ConsoleConnection, filter: TraceFilter) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) {
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  return adminGet<{ items: TraceEvent[] }>(connection, `/traces?${query}`);
}

export const tracesQueryOptions = (connection: ConsoleConnection, filter: TraceFilter) =>
  queryOptions({
    queryKey: ['admin', 'traces', filter],
    queryFn: () => fetchTraces(connection, filter),
    refetchInterval: LIVE_MS,
  });

export const useTraces = (filter: TraceFilter) =>
  useQuery(tracesQueryOptions(useConsoleConnection(), filter));

/** One published message as the traces list shows it: the first event seen for its id. */
export interface TracedMessage {
  messageId: string;
  appId: string | undefined;
  room: string | undefined;
  clientId: string | undefined;
  firstTs: number;
  hops: number;
}

/** Groups message events by message id, newest first. */
export function tracedMessages(events: readonly TraceEvent[]): TracedMessage[] {
  const byId = new Map<string, TracedMessage>();
  for (const event of events) {
    if (!event.messageId || !event.type.startsWith('message.')) continue;
    const known = byId.get(event.messageId);
    if (known) {
      known.hops += 1;
      known.firstTs = Math.min(known.firstTs, event.ts);
      known.clientId ??= event.clientId;
    } else {
      byId.set(event.messageId, {
        messageId: event.messageId,
        appId: event.appId,
        room: event.room,
        clientId: event.clientId,
        firstTs: event.ts,
        hops: 1,
      });
    }
  }
  return [...byId.values()].sort((a, b) => b.firstTs - a.firstTs);
}
