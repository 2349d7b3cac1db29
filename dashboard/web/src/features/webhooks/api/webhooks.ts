import { WEBHOOK_EVENT_TYPES } from '@relaybox/protocol';
import {
  infiniteQueryOptions,
  queryOptions,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.js';
import { appKeys } from '../../apps/api/apps.js';

/**
 * The event types an endpoint can subscribe to from the dashboard. `message.published` is left out:
 * the platform sends it only to endpoints with room patterns, which the dashboard does not set yet.
 */
export const WEBHOOK_EVENTS = WEBHOOK_EVENT_TYPES.filter((event) => event !== 'message.published');

// Wire types come from the API itself (type-only: nothing of the server is bundled).
import type {
  DeadLetterInfo as DeadLetter,
  DeadLetterPage,
  Delivery,
  RequeueResult,
  WebhookInfo as Webhook,
} from '../../../../../api/src/contract.js';

export type { DeadLetter, Delivery, Webhook };

export interface NewWebhook {
  url: string;
  events: string[];
}

export const webhookKeys = {
  list: (appId: string) => [...appKeys.detail(appId), 'webhooks'] as const,
  deliveries: (appId: string, webhookId: string) =>
    [...webhookKeys.list(appId), webhookId, 'deliveries'] as const,
  deadLetters: (appId: string) => [...webhookKeys.list(appId), 'dead-letters'] as const,
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

/** Letters per page of the dead-letter list (the API allows up to 100). */
export const DEAD_LETTER_PAGE = 25;

export const fetchDeadLetters = (appId: string, cursor: string | null) =>
  apiRequest<DeadLetterPage>(
    `${hooksPath(appId)}/dead-letters?limit=${DEAD_LETTER_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
export const requeueDeadLetter = (appId: string, letter: DeadLetter) =>
  apiRequest<{ requeued: RequeueResult }>(
    `${hookPath(appId, letter.endpointId)}/dead-letters/${encodeURIComponent(letter.eventId)}/requeue`,
    { method: 'POST' },
  );

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

/** The app's dead letters, newest first, a page at a time; refreshed like the delivery log. */
export function deadLettersQueryOptions(appId: string) {
  return infiniteQueryOptions({
    queryKey: webhookKeys.deadLetters(appId),
    queryFn: ({ pageParam }) => fetchDeadLetters(appId, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: DELIVERIES_REFRESH_MS,
  });
}

export const useWebhooks = (appId: string) => useQuery(webhooksQueryOptions(appId));
export const useDeadLetters = (appId: string) => useInfiniteQuery(deadLettersQueryOptions(appId));

/** Requeues a dead letter through a gateway; the list and the endpoint's delivery log refresh after. */
export function useRequeueDeadLetter(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (letter: DeadLetter) => requeueDeadLetter(appId, letter),
    onSettled: (_data, _error, letter) =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: webhookKeys.deadLetters(appId) }),
        queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(appId, letter.endpointId) }),
      ]),
  });
}
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
