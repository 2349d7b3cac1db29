import type { VerifyReport, VerifyRequest } from '@relaybox/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { daemonGet, daemonPost, requireDaemon } from '../../connection/api/clients.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export const VERIFY_KEY = ['daemon', 'verify'] as const;

/** The last report the daemon kept, and whether a run is in progress. */
export const useLastVerify = () => {
  const connection = useConsoleConnection();
  return useQuery({
    queryKey: VERIFY_KEY,
    queryFn: () =>
      daemonGet<{ report: VerifyReport | null; running: boolean }>(requireDaemon(connection), '/api/verify'),
    enabled: connection.daemon !== undefined,
  });
};

/** Runs the verifier; resolves with the report when the run is over (its window plus the drain). */
export const useRunVerify = () => {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: VerifyRequest) =>
      daemonPost<VerifyReport>(requireDaemon(connection), '/api/verify', request),
    onSuccess: (report) => client.setQueryData(VERIFY_KEY, { report, running: false }),
  });
};
