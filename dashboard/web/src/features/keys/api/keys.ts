import type { PermissionMap } from '@relaybox/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
// Wire types come from the API itself (type-only: nothing of the server is bundled).
import type { ApiKeyInfo, IssuedKey } from '../../../../../api/src/contract.js';
import { apiRequest } from '../../../lib/api-client.js';
import { appKeys } from '../../apps/api/apps.js';

export type { ApiKeyInfo, IssuedKey };

export interface NewKey {
  name: string;
  permissions: PermissionMap;
}

export const keyKeys = {
  list: (appId: string) => [...appKeys.detail(appId), 'keys'] as const,
};

const keysPath = (appId: string) => `/api/apps/${encodeURIComponent(appId)}/keys`;
const keyPath = (appId: string, keyId: string) => `${keysPath(appId)}/${encodeURIComponent(keyId)}`;

export const fetchKeys = (appId: string) =>
  apiRequest<{ items: ApiKeyInfo[] }>(keysPath(appId)).then((r) => r.items);
export const createKey = (appId: string, key: NewKey) =>
  apiRequest<IssuedKey>(keysPath(appId), { method: 'POST', body: key });
export const revokeKey = (appId: string, keyId: string) =>
  apiRequest<ApiKeyInfo>(`${keyPath(appId, keyId)}/revoke`, { method: 'POST' });
export const rotateKey = (appId: string, keyId: string) =>
  apiRequest<IssuedKey>(`${keyPath(appId, keyId)}/rotate`, { method: 'POST' });

export function keysQueryOptions(appId: string) {
  return queryOptions({ queryKey: keyKeys.list(appId), queryFn: () => fetchKeys(appId) });
}

export function useKeys(appId: string) {
  return useQuery(keysQueryOptions(appId));
}

function useKeyMutation<TArg, TResult>(appId: string, fn: (arg: TArg) => Promise<TResult>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keyKeys.list(appId) }),
  });
}

export const useCreateKey = (appId: string) => useKeyMutation(appId, (key: NewKey) => createKey(appId, key));
export const useRevokeKey = (appId: string) =>
  useKeyMutation(appId, (keyId: string) => revokeKey(appId, keyId));
export const useRotateKey = (appId: string) =>
  useKeyMutation(appId, (keyId: string) => rotateKey(appId, keyId));
