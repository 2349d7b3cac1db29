import type { FaultRecord, FaultSpec } from '@relaybox/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { daemonGet, daemonPost, LIVE_MS, requireDaemon } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export const FAULTS_KEY = ['daemon', 'faults'] as const;

export const fetchFaults = (connection: ConsoleConnection) =>
  daemonGet<{ items: FaultRecord[] }>(requireDaemon(connection), '/api/faults');

export const faultsQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: FAULTS_KEY,
    queryFn: () => fetchFaults(connection),
    refetchInterval: LIVE_MS,
    enabled: connection.daemon !== undefined,
  });

export const useFaults = () => useQuery(faultsQueryOptions(useConsoleConnection()));

function useFaultMutation<T>(run: (connection: ConsoleConnection, input: T) => Promise<FaultRecord>) {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: T) => run(connection, input),
    onSuccess: () => client.invalidateQueries({ queryKey: FAULTS_KEY }),
  });
}

export const useInjectFault = () =>
  useFaultMutation((connection, spec: FaultSpec) =>
    daemonPost<FaultRecord>(requireDaemon(connection), '/api/faults', spec),
  );

export const useHealFault = () =>
  useFaultMutation((connection, id: string) =>
    daemonPost<FaultRecord>(requireDaemon(connection), `/api/faults/${encodeURIComponent(id)}/heal`, {}),
  );
