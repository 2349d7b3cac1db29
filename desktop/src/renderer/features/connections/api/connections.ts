import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ConnectionInfo, DisconnectRequest, DisconnectResult } from '../../../lib/admin-types.js';
import { adminGet, adminPost, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

/** The table is virtualised, so it asks for everything the API keeps (up to 10,000 rows). */
const LIMIT = 10_000;
const LARGE = 2000;

export const fetchConnections = (connection: ConsoleConnection) =>
  adminGet<{ items: ConnectionInfo[]; total: number }>(connection, `/connections?limit=${LIMIT}`);

export const connectionsQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: ['admin', 'connections'],
    queryFn: () => fetchConnections(connection),
    // A 10,000-row answer is a few MB: big clusters refresh less often.
    refetchInterval: (query) => ((query.state.data?.total ?? 0) > LARGE ? LIVE_MS * 3 : LIVE_MS),
  });

export const useConnections = () => useQuery(connectionsQueryOptions(useConsoleConnection()));

export const disconnectConnection = (
  connection: ConsoleConnection,
  connectionId: string,
  request: DisconnectRequest = {},
) =>
  adminPost<DisconnectResult>(
    connection,
    `/connections/${encodeURIComponent(connectionId)}/disconnect`,
    request,
  );

/** Closes a connection on whichever gateway holds it; the connections view refreshes at once. */
export function useDisconnect() {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (connectionId: string) => disconnectConnection(connection, connectionId),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin', 'connections'] }),
  });
}
