import { WEBHOOK_EVENT_TYPES } from '@relaybox/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.js';
import { appKeys } from '../../apps/api/apps.js';

/**
 * The event types an endpoint can subscribe to from the dashboard. `message.published` is left out:
 * the platform sends it only to endpoints with room patterns, which the dashboard does not set yet.
 */
export const WEBHOOK_EVENTS = WEBHOOK_EVENT_TYPES.filter((event) => event !== 'message.published');

// Wire types come from the API itself (type-only: nothing of the server is bundled).
import type { Delivery, WebhookInfo as Webhook } from '../../../../../api/src/contract.js';

export type { Delivery, Webhook };

export interface NewWebhook {
  url: string;
  events: string[];
}

export const webhookKeys = {
  list: (appId: string) => [...appKeys.detail(appId), 'webhooks'] as const,
  deliveries: (appId: string, webhookId: string) =>
    [...webhookKeys.list(appId), webhookId, 'deliveries'] as const,
};

const hooksPath = (appId: string) => `/api/apps/${encodeURIComponent(appId)}/webhooks`;
const hookPath = (appId: string, id: string) => `${hooksPath(appId)}/${encodeURIComponent(id)}`;

export const fetchWebhooks = (appId: string) =>
  apiRequest<{ items: Webhook[] }>(hooksPath(appId)).then((r) => r.items);
export const createWebhook = (appId: string, hook: NewWebhook) =>
  apiRequest<{ webhook: Webhook; secret: string }>(hooksPath(appId), { method: 'POST', body: hook });
export const deleteWebhook = (appId: string, id: string) =>
  apiRequest<void>(hookPath(appId, id), { method: 'DELETE' });
export const sendTestEvent = (appId: string, id: string) =>
  apiRequest<{ delivery: Delivery }>(`${hookPath(appId, id)}/test`, { method: 'POST' });
export const fetchDeliveries = (appId: string, id: string) =>
  apiRequest<{ items: Delivery[] }>(`${hookPath(appId, id)}/deliveries`).then((r) => r.items);

export function webhooksQueryOptions(appId: string) {
  return queryOptions({ queryKey: webhookKeys.list(appId), queryFn: () => fetchWebhooks(appId) });
}

/** How often an open delivery log refreshes. */
export const DELIVERIES_REFRESH_MS = 3000;

export function deliveriesQueryOptions(appId: string, webhookId: string) {
  return queryOptions({
    queryKey: webhookKeys.deliveries(appId, webhookId),
    queryFn: () => fetchDeliveries(appId, webhookId),
    // Real deliveries arrive from the workers at any time: the open log follows them.
    refetchInterval: DELIVERIES_REFRESH_MS,
  });
}

export const useWebhooks = (appId: string) => useQuery(webhooksQueryOptions(appId));
export const useDeliveries = (appId: string, webhookId: string) =>
  useQuery(deliveriesQueryOptions(appId, webhookId));

export function useCreateWebhook(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (hook: NewWebhook) => createWebhook(appId, hook),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKeys.list(appId) }),
  });
}

export function useDeleteWebhook(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => deleteWebhook(appId, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKeys.list(appId) }),
  });
}

/** Sends a signed test event from the control plane; the delivery log refreshes after it. */
export function useSendTestEvent(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendTestEvent(appId, id),
    onSettled: (_data, _error, id) =>
      queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(appId, id) }),
  });
}
