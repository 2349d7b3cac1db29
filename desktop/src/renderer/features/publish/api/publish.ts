import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { PublishRequest, PublishResult } from '../../../lib/admin-types.js';
import { adminPost } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export const publishMessage = (connection: ConsoleConnection, request: PublishRequest) =>
  adminPost<PublishResult>(connection, '/publish', request);

/** Publishes as any client; the rooms and traces views refresh at once. */
export function usePublish() {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (request: PublishRequest) => publishMessage(connection, request),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['admin', 'rooms'] }),
        client.invalidateQueries({ queryKey: ['admin', 'traces'] }),
      ]),
  });
}
