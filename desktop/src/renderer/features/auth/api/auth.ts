import type { AdminAuthApp, AdminAuthSession, AdminAuthUser, AdminDevMail } from '@relaybox/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { adminGet, adminPost, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

const app = (appId: string) => `appId=${encodeURIComponent(appId)}`;

export const authAppsQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: ['admin', 'auth', 'apps'],
    queryFn: () => adminGet<{ items: AdminAuthApp[] }>(connection, '/auth/apps'),
  });
export const useAuthApps = () => useQuery(authAppsQueryOptions(useConsoleConnection()));

export const authUsersQueryOptions = (connection: ConsoleConnection, appId: string) =>
  queryOptions({
    queryKey: ['admin', 'auth', appId, 'users'],
    queryFn: () =>
      adminGet<{ items: AdminAuthUser[]; next: string | null }>(
        connection,
        `/auth/users?${app(appId)}&limit=100`,
      ),
    refetchInterval: LIVE_MS,
  });
export const useAuthUsers = (appId: string) => useQuery(authUsersQueryOptions(useConsoleConnection(), appId));

export const authUserQueryOptions = (connection: ConsoleConnection, appId: string, userId: string) =>
  queryOptions({
    queryKey: ['admin', 'auth', appId, 'users', userId],
    queryFn: () =>
      adminGet<{ user: AdminAuthUser; sessions: AdminAuthSession[] }>(
        connection,
        `/auth/users/${encodeURIComponent(userId)}?${app(appId)}`,
      ),
    refetchInterval: LIVE_MS,
  });
export const useAuthUser = (appId: string, userId: string) =>
  useQuery(authUserQueryOptions(useConsoleConnection(), appId, userId));

/** New mails show within a second (the dev inbox is polled while the view is open). */
export const devMailboxQueryOptions = (connection: ConsoleConnection, appId: string) =>
  queryOptions({
    queryKey: ['admin', 'auth', appId, 'dev-mailbox'],
    queryFn: () =>
      adminGet<{ items: AdminDevMail[] }>(connection, `/auth/dev-mailbox?${app(appId)}&limit=50`),
    refetchInterval: LIVE_MS,
  });
export const useDevMailbox = (appId: string) =>
  useQuery(devMailboxQueryOptions(useConsoleConnection(), appId));

/** An auth mutation; every auth view refreshes after it. */
function useAuthMutation<Input, Output>(
  run: (connection: ConsoleConnection, input: Input) => Promise<Output>,
) {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: Input) => run(connection, input),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin', 'auth'] }),
  });
}

export const useSetUserDisabled = () =>
  useAuthMutation((connection, input: { appId: string; userId: string; disabled: boolean }) =>
    adminPost<{ user: AdminAuthUser }>(connection, `/auth/users/${encodeURIComponent(input.userId)}`, {
      appId: input.appId,
      disabled: input.disabled,
    }),
  );

export const useRevokeUser = () =>
  useAuthMutation((connection, input: { appId: string; userId: string }) =>
    adminPost<{ revoked: number }>(connection, `/auth/users/${encodeURIComponent(input.userId)}/revoke`, {
      appId: input.appId,
    }),
  );

export const useRevokeSession = () =>
  useAuthMutation((connection, input: { appId: string; sessionId: string }) =>
    adminPost<{ revoked: boolean }>(
      connection,
      `/auth/sessions/${encodeURIComponent(input.sessionId)}/revoke`,
      { appId: input.appId },
    ),
  );
