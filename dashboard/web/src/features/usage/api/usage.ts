import { queryOptions, useQuery } from '@tanstack/react-query';
import type { UsageDay } from '../../../../../api/src/contract.js';
import { apiRequest } from '../../../lib/api-client.js';
import { appKeys } from '../../apps/api/apps.js';

export type { UsageDay };

export const usageKeys = {
  byDays: (appId: string, days: number) => [...appKeys.detail(appId), 'usage', days] as const,
};

export const fetchUsage = (appId: string, days: number) =>
  apiRequest<{ items: UsageDay[] }>(`/api/apps/${encodeURIComponent(appId)}/usage?days=${days}`).then(
    (r) => r.items,
  );

export function usageQueryOptions(appId: string, days: number) {
  return queryOptions({ queryKey: usageKeys.byDays(appId, days), queryFn: () => fetchUsage(appId, days) });
}

export const useUsage = (appId: string, days: number) => useQuery(usageQueryOptions(appId, days));
