import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
// Wire types come from the API itself (type-only: nothing of the server is bundled).
import type { App, AppSettings } from '../../../../../api/src/contract.js';
import { apiRequest } from '../../../lib/api-client.js';

export type { App, AppSettings };
export type AppLimits = AppSettings['limits'];

export interface AppPatch {
  name?: string;
  settings?: AppSettings;
}

/** Every query of an app lives under `appKeys.detail(appId)`, so deleting an app drops them all. */
export const appKeys = {
  all: ['apps'] as const,
  list: () => [...appKeys.all, 'list'] as const,
  detail: (appId: string) => [...appKeys.all, appId] as const,
};

const appPath = (appId: string) => `/api/apps/${encodeURIComponent(appId)}`;

export const fetchApps = () => apiRequest<{ items: App[] }>('/api/apps').then((r) => r.items);
export const fetchApp = (appId: string) => apiRequest<App>(appPath(appId));
export const createApp = (name: string) => apiRequest<App>('/api/apps', { method: 'POST', body: { name } });
export const updateApp = (appId: string, patch: AppPatch) =>
  apiRequest<App>(appPath(appId), { method: 'PATCH', body: patch });
export const deleteApp = (appId: string) => apiRequest<void>(appPath(appId), { method: 'DELETE' });

export function appsQueryOptions() {
  return queryOptions({ queryKey: appKeys.list(), queryFn: fetchApps });
}

export function appQueryOptions(appId: string) {
  return queryOptions({ queryKey: appKeys.detail(appId), queryFn: () => fetchApp(appId) });
}

export function useApps() {
  return useQuery(appsQueryOptions());
}

export function useApp(appId: string) {
  return useQuery(appQueryOptions(appId));
}

export function useCreateApp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApp,
    onSuccess: (app) => {
      queryClient.setQueryData(appKeys.detail(app.id), app);
      return queryClient.invalidateQueries({ queryKey: appKeys.list() });
    },
  });
}

export function useUpdateApp(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: AppPatch) => updateApp(appId, patch),
    onSuccess: (app) => {
      queryClient.setQueryData(appKeys.detail(appId), app);
      return queryClient.invalidateQueries({ queryKey: appKeys.list() });
    },
  });
}

export function useDeleteApp(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => deleteApp(appId),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: appKeys.detail(appId) });
      return queryClient.invalidateQueries({ queryKey: appKeys.list() });
    },
  });
}
