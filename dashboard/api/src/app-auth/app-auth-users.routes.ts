import { type AdminUser, adminUser, type UserStore } from '@relaybox/auth/postgres';
import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppStore } from '../apps/app-store.js';
import { requireSession } from '../auth/session-guard.js';
import { ApiError } from '../lib/api-error.js';
import type { Services } from '../services.js';

/** Users per page of the list: at most this many, 50 by default. */
export const MAX_USERS_PAGE = 100;

const appParams = {
  type: 'object',
  required: ['appId'],
  properties: { appId: { type: 'string', maxLength: 64 } },
} as const;
const userParams = {
  type: 'object',
  required: ['appId', 'userId'],
  properties: { appId: { type: 'string', maxLength: 64 }, userId: { type: 'string', maxLength: 64 } },
} as const;
// Query values are strings (no type coercion): digits, range-checked below.
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
    cursor: { type: 'string', pattern: '^[0-9]{1,9}$' },
  },
} as const;

type UserParams = { appId: string; userId: string };

/**
 * `/api/apps/:appId/auth/users`: the app's end users, read from the gateways' user database
 * (`AUTH_DATABASE_URL`). Disabling a user or revoking its sessions is written there and pushed to
 * the gateways as `user-revoked`, on which they close the user's open connections (4100).
 */
export function registerAppAuthUserRoutes(app: FastifyInstance, services: Services): void {
  const apps = new AppStore(services.db);
  const ownedApp = async (request: FastifyRequest, appId: string) =>
    apps.get(requireSession(request).user.id, appId);
  const store = (): UserStore => {
    if (services.users) return services.users;
    throw new ApiError(
      ErrorCode.NotFound,
      'end users are not reachable from this control plane: set AUTH_DATABASE_URL',
    );
  };
  const revoked = (appId: string, userId: string) =>
    services.keyEvents.publish({ type: 'user-revoked', appId, userId });

  app.get<{ Params: { appId: string }; Querystring: { limit?: string; cursor?: string } }>(
    '/api/apps/:appId/auth/users',
    { schema: { params: appParams, querystring: listQuery } },
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      const limit = Number(request.query.limit ?? 50);
      if (limit < 1 || limit > MAX_USERS_PAGE) {
        throw new ApiError(ErrorCode.InvalidRequest, `querystring.limit must be 1 to ${MAX_USERS_PAGE}`, {
          field: 'limit',
        });
      }
      const page = await store().listUsers(owned.id, { limit, cursor: request.query.cursor });
      return { items: page.items.map(adminUser), next: page.next ?? null };
    },
  );

  app.patch<{ Params: UserParams; Body: { disabled: boolean } }>(
    '/api/apps/:appId/auth/users/:userId',
    {
      schema: {
        params: userParams,
        body: {
          type: 'object',
          required: ['disabled'],
          additionalProperties: false,
          properties: { disabled: { type: 'boolean' } },
        },
      },
    },
    async (request): Promise<{ user: AdminUser }> => {
      const owned = await ownedApp(request, request.params.appId);
      const users = store();
      const user = await users.updateUser(
        owned.id,
        request.params.userId,
        { disabled: request.body.disabled },
        Date.now(),
      );
      if (!user) throw new ApiError(ErrorCode.NotFound, 'user not found');
      // Disabling ends every session (re-enabling restores none: the user signs in again).
      if (request.body.disabled) {
        await users.revokeUserSessions(owned.id, user.id);
        revoked(owned.id, user.id);
      }
      return { user: adminUser(user) };
    },
  );

  app.post<{ Params: UserParams }>(
    '/api/apps/:appId/auth/users/:userId/revoke',
    { schema: { params: userParams } },
    async (request) => {
      const owned = await ownedApp(request, request.params.appId);
      const users = store();
      if (!(await users.getUser(owned.id, request.params.userId)))
        throw new ApiError(ErrorCode.NotFound, 'user not found');
      const sessions = await users.revokeUserSessions(owned.id, request.params.userId);
      revoked(owned.id, request.params.userId);
      return { revoked: sessions.length };
    },
  );
}
