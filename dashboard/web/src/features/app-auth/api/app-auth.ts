import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
// Wire types come from the API itself (type-only: nothing of the server is bundled).
import type {
  AppAuthSettings,
  AuthProviderInfo,
  AuthProviderKind,
  MfaPolicy,
  ProviderCreate,
  ProviderPatch,
} from '../../../../../api/src/contract.js';
import { apiRequest } from '../../../lib/api-client.js';
import { appKeys } from '../../apps/api/apps.js';

export type { AppAuthSettings, AuthProviderInfo, AuthProviderKind, MfaPolicy, ProviderCreate, ProviderPatch };

/** The app's user pool: settings and sign-in providers (client secrets are never answered). */
export interface AppAuth {
  settings: AppAuthSettings;
  providers: AuthProviderInfo[];
}

export const appAuthKeys = {
  detail: (appId: string) => [...appKeys.detail(appId), 'auth'] as const,
};

const authPath = (appId: string) => `/api/apps/${encodeURIComponent(appId)}/auth`;
const providerPath = (appId: string, id: string) => `${authPath(appId)}/providers/${encodeURIComponent(id)}`;

export const fetchAppAuth = (appId: string) => apiRequest<AppAuth>(authPath(appId));
export const updateAppAuth = (appId: string, patch: Partial<AppAuthSettings>) =>
  apiRequest<AppAuth>(authPath(appId), { method: 'PATCH', body: patch });
export const createProvider = (appId: string, provider: ProviderCreate) =>
  apiRequest<AuthProviderInfo>(`${authPath(appId)}/providers`, { method: 'POST', body: provider });
export const updateProvider = (appId: string, id: string, patch: ProviderPatch) =>
  apiRequest<AuthProviderInfo>(providerPath(appId, id), { method: 'PATCH', body: patch });
export const deleteProvider = (appId: string, id: string) =>
  apiRequest<void>(providerPath(appId, id), { method: 'DELETE' });

export function appAuthQueryOptions(appId: string) {
  return queryOptions({ queryKey: appAuthKeys.detail(appId), queryFn: () => fetchAppAuth(appId) });
}

export const useAppAuth = (appId: string) => useQuery(appAuthQueryOptions(appId));

export function useUpdateAppAuth(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<AppAuthSettings>) => updateAppAuth(appId, patch),
    onSuccess: (auth) => queryClient.setQueryData(appAuthKeys.detail(appId), auth),
  });
}

export function useCreateProvider(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (provider: ProviderCreate) => createProvider(appId, provider),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: appAuthKeys.detail(appId) }),
  });
}

export function useUpdateProvider(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: ProviderPatch }) => updateProvider(appId, id, patch),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: appAuthKeys.detail(appId) }),
  });
}

export function useDeleteProvider(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => deleteProvider(appId, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: appAuthKeys.detail(appId) }),
  });
}
