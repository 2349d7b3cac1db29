import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
// Wire types come from the API itself (type-only: nothing of the server is bundled).
import type {
  AdminUser,
  AppAuthSettings,
  AuthProviderInfo,
  AuthProviderKind,
  MfaPolicy,
  ProviderCreate,
  ProviderPatch,
} from '../../../../../api/src/contract.js';
import { apiRequest } from '../../../lib/api-client.js';
import { appKeys } from '../../apps/api/apps.js';

export type {
  AdminUser,
  AppAuthSettings,
  AuthProviderInfo,
  AuthProviderKind,
  MfaPolicy,
  ProviderCreate,
  ProviderPatch,
};

/** The app's user pool: settings and sign-in providers (client secrets are never answered). */
export interface AppAuth {
  settings: AppAuthSettings;
  providers: AuthProviderInfo[];
}

export const appAuthKeys = {
  detail: (appId: string) => [...appKeys.detail(appId), 'auth'] as const,
  users: (appId: string) => [...appAuthKeys.detail(appId), 'users'] as const,
  usersPage: (appId: string, cursor: string | null) => [...appAuthKeys.users(appId), cursor] as const,
};

/** One page of the app's end users; `next` is the cursor of the following page (null: last). */
export interface UserPage {
  items: AdminUser[];
  next: string | null;
}

/** Users per page in the Auth tab (the API allows up to 100). */
export const USERS_PAGE_SIZE = 20;

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

const usersPath = (appId: string) => `${authPath(appId)}/users`;
export const fetchUsers = (appId: string, cursor: string | null) =>
  apiRequest<UserPage>(
    `${usersPath(appId)}?limit=${USERS_PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
export const setUserDisabled = (appId: string, userId: string, disabled: boolean) =>
  apiRequest<{ user: AdminUser }>(`${usersPath(appId)}/${encodeURIComponent(userId)}`, {
    method: 'PATCH',
    body: { disabled },
  });
export const revokeUserSessions = (appId: string, userId: string) =>
  apiRequest<{ revoked: number }>(`${usersPath(appId)}/${encodeURIComponent(userId)}/revoke`, {
    method: 'POST',
  });

export function usersQueryOptions(appId: string, cursor: string | null) {
  return queryOptions({
    queryKey: appAuthKeys.usersPage(appId, cursor),
    queryFn: () => fetchUsers(appId, cursor),
  });
}

export const useUsers = (appId: string, cursor: string | null) => useQuery(usersQueryOptions(appId, cursor));

export function useSetUserDisabled(appId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, disabled }: { userId: string; disabled: boolean }) =>
      setUserDisabled(appId, userId, disabled),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: appAuthKeys.users(appId) }),
  });
}

export function useRevokeUserSessions(appId: string) {
  return useMutation({ mutationFn: (userId: string) => revokeUserSessions(appId, userId) });
}

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
