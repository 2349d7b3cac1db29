import type {
  AdminDeadLetter,
  AdminDeliveryAttempt,
  AdminInbox,
  AdminInboxDelivery,
  AdminInboxRequest,
  AdminRedeliverResult,
  AdminWebhookEndpoint,
} from '@relaybox/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { adminDelete, adminGet, adminPost, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

const app = (appId: string) => `appId=${encodeURIComponent(appId)}`;

export const webhookEndpointsQueryOptions = (connection: ConsoleConnection, appId: string) =>
  queryOptions({
    queryKey: ['admin', 'webhooks', appId, 'endpoints'],
    queryFn: () => adminGet<{ items: AdminWebhookEndpoint[] }>(connection, `/webhooks?${app(appId)}`),
    refetchInterval: LIVE_MS,
  });
export const useWebhookEndpoints = (appId: string) =>
  useQuery(webhookEndpointsQueryOptions(useConsoleConnection(), appId));

export const deliveryLogQueryOptions = (connection: ConsoleConnection, appId: string, endpointId: string) =>
  queryOptions({
    queryKey: ['admin', 'webhooks', appId, 'deliveries', endpointId],
    queryFn: () =>
      adminGet<{ items: AdminDeliveryAttempt[] }>(
        connection,
        `/webhooks/${encodeURIComponent(endpointId)}/deliveries?${app(appId)}&limit=50`,
      ),
    refetchInterval: LIVE_MS,
  });
export const useDeliveryLog = (appId: string, endpointId: string) =>
  useQuery(deliveryLogQueryOptions(useConsoleConnection(), appId, endpointId));

export const deadLettersQueryOptions = (connection: ConsoleConnection, appId: string) =>
  queryOptions({
    queryKey: ['admin', 'webhooks', appId, 'dead-letters'],
    queryFn: () =>
      adminGet<{ items: AdminDeadLetter[] }>(connection, `/webhooks/dead-letters?${app(appId)}&limit=50`),
    refetchInterval: LIVE_MS,
  });
export const useDeadLetters = (appId: string) =>
  useQuery(deadLettersQueryOptions(useConsoleConnection(), appId));

export const inboxQueryOptions = (connection: ConsoleConnection, appId: string) =>
  queryOptions({
    queryKey: ['admin', 'webhooks', appId, 'inbox'],
    queryFn: () => adminGet<{ inbox: AdminInbox | null }>(connection, `/webhooks/inbox?${app(appId)}`),
    refetchInterval: LIVE_MS,
  });
export const useInbox = (appId: string) => useQuery(inboxQueryOptions(useConsoleConnection(), appId));

export const inboxRequestsQueryOptions = (connection: ConsoleConnection, inboxId: string) =>
  queryOptions({
    queryKey: ['admin', 'webhooks', 'inbox', inboxId, 'requests'],
    queryFn: () =>
      adminGet<{ items: AdminInboxDelivery[] }>(
        connection,
        `/webhooks/inbox/${encodeURIComponent(inboxId)}/deliveries`,
      ),
    refetchInterval: LIVE_MS,
  });
export const useInboxRequests = (inboxId: string) =>
  useQuery(inboxRequestsQueryOptions(useConsoleConnection(), inboxId));

/** A webhook mutation; every webhook view refreshes after it. */
function useWebhookMutation<Input, Output>(
  run: (connection: ConsoleConnection, input: Input) => Promise<Output>,
) {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: Input) => run(connection, input),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin', 'webhooks'] }),
  });
}

/** Registers (or updates) the app's inbox; the worker posts to the console's own origin. */
export const useRegisterInbox = () =>
  useWebhookMutation((connection, request: AdminInboxRequest) =>
    adminPost<AdminInbox>(connection, '/webhooks/inbox', request),
  );

export const useRemoveInbox = () =>
  useWebhookMutation((connection, appId: string) =>
    adminDelete<{ removed: boolean }>(connection, `/webhooks/inbox?${app(appId)}`),
  );

export const useReplay = () =>
  useWebhookMutation((connection, input: { inboxId: string; deliveryId: string }) =>
    adminPost<AdminRedeliverResult>(
      connection,
      `/webhooks/inbox/${encodeURIComponent(input.inboxId)}/replay`,
      {
        deliveryId: input.deliveryId,
      },
    ),
  );

export const useRequeue = () =>
  useWebhookMutation((connection, input: { appId: string; endpointId: string; eventId: string }) =>
    adminPost<AdminRedeliverResult>(connection, '/webhooks/dead-letters/requeue', input),
  );
