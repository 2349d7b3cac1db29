import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ServiceAction, StackStatus } from '../../../lib/stack-types.js';
import { daemonGet, daemonPost, LIVE_MS, requireDaemon } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export const STACK_KEY = ['daemon', 'stack'] as const;

export const fetchStack = (connection: ConsoleConnection) =>
  daemonGet<StackStatus>(requireDaemon(connection), '/api/stack');

export const stackQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: STACK_KEY,
    queryFn: () => fetchStack(connection),
    refetchInterval: LIVE_MS,
    enabled: connection.daemon !== undefined,
  });

export const useStack = () => useQuery(stackQueryOptions(useConsoleConnection()));

/** Every stack mutation answers the new `StackStatus`: it is shown at once, then refetched. */
function useStackMutation<T>(run: (connection: ConsoleConnection, input: T) => Promise<StackStatus>) {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: T) => run(connection, input),
    onSuccess: (status) => {
      client.setQueryData(STACK_KEY, status);
      return Promise.all([
        client.invalidateQueries({ queryKey: STACK_KEY }),
        // Gateways came or went: the inspector views and the admin token may have changed.
        client.invalidateQueries({ queryKey: ['admin'] }),
      ]);
    },
  });
}

export const useServiceAction = () =>
  useStackMutation((connection, { name, action }: { name: string; action: ServiceAction }) =>
    daemonPost<StackStatus>(requireDaemon(connection), `/api/services/${encodeURIComponent(name)}/${action}`),
  );

export const useScaleGateways = () =>
  useStackMutation((connection, replicas: number) =>
    daemonPost<StackStatus>(requireDaemon(connection), '/api/stack/scale', { service: 'gateway', replicas }),
  );

export const useStackUpDown = () =>
  useStackMutation((connection, direction: 'up' | 'down') =>
    daemonPost<StackStatus>(requireDaemon(connection), `/api/stack/${direction}`, {}),
  );
