import type { AdminAuthApp, AdminAuthUser } from '@relaybox/protocol';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { type AuthRuntime, devMailsOf } from '../auth/auth-runtime.js';
import { readBody } from '../uws/http.js';
import type { AdminRoute } from './admin.routes.js';
import { jsonObject } from './admin-body.js';
import type { AdminViews } from './admin-views.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface AdminAuthDeps {
  runtime: AuthRuntime;
  /** Apps this gateway knows of; those with a user pool are listed. */
  apps: readonly string[];
}

/**
 * `/v1/admin/auth/...` (contract in docs/inspector.md#auth): the console's view of the apps' user
 * pools with the admin token. Every action goes through the same `AuthAdmin` functions as the app-key
 * routes of `/v1/auth/:appId/admin/...`, so a disable or revoke here closes the user's connections on
 * every gateway the same way.
 */
export function mountAuthAdminRoutes(
  route: AdminRoute,
  deps: AdminAuthDeps,
  views: Pick<AdminViews, 'appOf'>,
  maxBodyBytes: number,
): void {
  const { admin, service } = deps.runtime;
  const appOf = (query: URLSearchParams) => views.appOf(query.get('appId') || undefined);
  const bodyOf = async (response: Parameters<typeof readBody>[0]) => {
    const { appId, ...rest } = jsonObject(await readBody(response, maxBodyBytes), true);
    return { appId: views.appOf(typeof appId === 'string' && appId ? appId : undefined), rest };
  };
  route('get', '/v1/admin/auth/apps', async () => {
    const items: AdminAuthApp[] = [];
    for (const appId of deps.apps) {
      const config = await service.config(appId).catch(() => undefined);
      if (config)
        items.push({ appId, devMailbox: !!deps.runtime.devMailbox, mfaRequired: config.mfaRequired });
    }
    return { items };
  });
  route('get', '/v1/admin/auth/users', async ({ query }) => {
    const appId = appOf(query);
    const page = await admin.listUsers(appId, pageQuery(query));
    // The newest live session of each user is its last sign-in: one session read per user listed
    // (a page holds at most MAX_USERS_PAGE).
    const items: AdminAuthUser[] = await Promise.all(
      page.items.map(async (user) => {
        const { sessions } = await admin.getUser(appId, user.id);
        const live = sessions.filter((s) => !s.revoked).map((s) => s.createdAt);
        return { ...user, lastSignInAt: live.length ? Math.max(...live) : null };
      }),
    );
    return { items, next: page.next };
  });
  route('get', '/v1/admin/auth/users/:userId', ({ query, param }) => admin.getUser(appOf(query), id(param)));
  route(
    'post',
    '/v1/admin/auth/users/:userId',
    async ({ response, param }) => {
      const { appId, rest } = await bodyOf(response);
      return admin.updateUser(appId, id(param), rest);
    },
    200,
  );
  route(
    'post',
    '/v1/admin/auth/users/:userId/revoke',
    async ({ response, param }) => {
      const { appId } = await bodyOf(response);
      return admin.revokeUser(appId, id(param));
    },
    200,
  );
  route(
    'post',
    '/v1/admin/auth/sessions/:sessionId/revoke',
    async ({ response, param }) => {
      const { appId } = await bodyOf(response);
      return admin.revokeSession(appId, id(param));
    },
    200,
  );
  route('get', '/v1/admin/auth/dev-mailbox', ({ query }) =>
    devMailsOf(deps.runtime, appOf(query), query.get('limit')),
  );
}

/** `limit` and `cursor` only: the rest of the query (appId) is not the user page's business. */
function pageQuery(query: URLSearchParams): URLSearchParams {
  const page = new URLSearchParams();
  for (const name of ['limit', 'cursor']) {
    const value = query.get(name);
    if (value !== null) page.set(name, value);
  }
  return page;
}

function id(raw: string): string {
  if (!ID.test(raw)) throw new RelayBoxError(ErrorCode.NotFound, 'no such user or session');
  return raw;
}
