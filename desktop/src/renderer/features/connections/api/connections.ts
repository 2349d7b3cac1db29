import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ConnectionInfo } from '../../../lib/admin-types.js';
import { adminGet, LIVE_MS } from '../../connection/api/clients.js';
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
