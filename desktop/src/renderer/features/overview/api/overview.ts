import { queryOptions, useQuery } from '@tanstack/react-query';
import type { Overview } from '../../../lib/admin-types.js';
import { adminGet, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export const fetchOverview = (connection: ConsoleConnection) => adminGet<Overview>(connection, '/overview');

export const overviewQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: ['admin', 'overview'],
    queryFn: () => fetchOverview(connection),
    refetchInterval: LIVE_MS,
  });

export const useOverview = () => useQuery(overviewQueryOptions(useConsoleConnection()));
