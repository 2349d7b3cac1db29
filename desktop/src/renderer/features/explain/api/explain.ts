import type { AdminExplainRequest, AdminExplanation } from '@relaybox/protocol';
import { useMutation } from '@tanstack/react-query';
import { adminPost } from '../../connection/api/clients.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

/** Asks the permission explainer; a pasted token goes to the gateway only, in the request body. */
export function useExplain() {
  const connection = useConsoleConnection();
  return useMutation({
    mutationFn: (request: AdminExplainRequest) =>
      adminPost<AdminExplanation>(connection, '/explain', request),
  });
}
