import type { AdminConnectionDetail } from '@relaybox/protocol';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { adminGet, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

/** Each read also keeps the gateway recording this connection's frames (for 30 s after the last). */
export const fetchConnectionDetail = (connection: ConsoleConnection, connectionId: string) =>
  adminGet<AdminConnectionDetail>(connection, `/connections/${encodeURIComponent(connectionId)}`);

export const connectionDetailQueryOptions = (connection: ConsoleConnection, connectionId: string) =>
  queryOptions({
    queryKey: ['admin', 'connections', connectionId],
    queryFn: () => fetchConnectionDetail(connection, connectionId),
    refetchInterval: LIVE_MS,
  });

export const useConnectionDetail = (connectionId: string) =>
  useQuery(connectionDetailQueryOptions(useConsoleConnection(), connectionId));
