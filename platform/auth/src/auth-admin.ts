import { ErrorCode, type PermissionMap, RelayBoxError, validatePermissionMap } from '@relaybox/protocol';
import type { AuthHooks } from './auth-events.js';
import type { AuthService } from './auth-service.js';
import { validateProfile } from './input.js';
import type { UserStore } from './user-store.js';
import { type AdminUser, adminUser, type SessionView, sessionView } from './user-view.js';

export const MAX_USERS_PAGE = 100;

/**
 * User administration by the app's backend (API key): list, read, update, disable, revoke. Every
 * revocation and disable closes the user's connections on every gateway (`AuthHooks.revoked`).
 */
export class AuthAdmin {
  constructor(
    private readonly service: AuthService,
    private readonly store: UserStore,
    private readonly hooks: AuthHooks,
    private readonly now: () => number = Date.now,
  ) {}

  async listUsers(
    appId: string,
    query: URLSearchParams,
  ): Promise<{ items: AdminUser[]; next: string | null }> {
    await this.service.config(appId);
    const limit = query.get('limit') === null ? 50 : Number(query.get('limit'));
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_USERS_PAGE) {
      throw new RelayBoxError(
        ErrorCode.InvalidRequest,
        `"limit" must be an integer from 1 to ${MAX_USERS_PAGE}`,
      );
    }
    const cursor = query.get('cursor') ?? undefined;
    if (cursor !== undefined && !/^\d{1,9}$/.test(cursor)) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, '"cursor" must be the "next" of a previous page');
    }
    const page = await this.store.listUsers(appId, { limit, cursor });
    return { items: page.items.map(adminUser), next: page.next ?? null };
  }

  async getUser(appId: string, userId: string): Promise<{ user: AdminUser; sessions: SessionView[] }> {
    await this.service.config(appId);
    const user = await this.store.getUser(appId, userId);
    if (!user) throw notFound(userId);
    const sessions = await this.store.listSessions(appId, userId, this.now());
    return { user: adminUser(user), sessions: sessions.map(sessionView) };
  }

  /**
   * `{ disabled?, permissions?, displayName?, avatarUrl?, emailVerified? }`. Disabling revokes every
   * session; a change of permissions applies to the next access token (refresh).
   */
  async updateUser(
    appId: string,
    userId: string,
    body: Record<string, unknown>,
  ): Promise<{ user: AdminUser }> {
    await this.service.config(appId);
    const { disabled, permissions, emailVerified, displayName, avatarUrl, ...rest } = body;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined)
      throw new RelayBoxError(ErrorCode.InvalidRequest, `unknown field "${unknown}"`);
    if (disabled !== undefined && typeof disabled !== 'boolean')
      throw new RelayBoxError(ErrorCode.InvalidRequest, '"disabled" must be a boolean');
    if (emailVerified !== undefined && typeof emailVerified !== 'boolean')
      throw new RelayBoxError(ErrorCode.InvalidRequest, '"emailVerified" must be a boolean');
    if (permissions !== undefined && permissions !== null) {
      const problem = validatePermissionMap(permissions);
      if (problem) throw new RelayBoxError(ErrorCode.InvalidRequest, `"permissions": ${problem}`);
    }
    const patch = {
      ...validateProfile({ displayName, avatarUrl }),
      ...(disabled === undefined ? {} : { disabled }),
      ...(emailVerified === undefined ? {} : { emailVerified }),
      ...(permissions === undefined ? {} : { permissions: permissions as PermissionMap | null }),
    };
    const user = await this.store.updateUser(appId, userId, patch, this.now());
    if (!user) throw notFound(userId);
    if (disabled === true) await this.service.revokeUser(appId, userId, 'disabled');
    return { user: adminUser(user) };
  }

  async revokeUser(appId: string, userId: string): Promise<{ revoked: number }> {
    await this.service.config(appId);
    if (!(await this.store.getUser(appId, userId))) throw notFound(userId);
    return { revoked: await this.service.revokeUser(appId, userId, 'admin') };
  }

  async revokeSession(appId: string, sessionId: string): Promise<{ revoked: boolean }> {
    await this.service.config(appId);
    const session = await this.store.getSession(appId, sessionId);
    if (!session) throw new RelayBoxError(ErrorCode.NotFound, `no session "${sessionId}"`);
    const revoked = await this.store.revokeSession(appId, sessionId);
    this.hooks.event({
      type: 'auth.revoked',
      appId,
      userId: session.userId,
      detail: { reason: 'admin', sessionId },
    });
    await this.hooks.revoked(appId, session.userId, [sessionId]);
    return { revoked };
  }
}

function notFound(userId: string): RelayBoxError {
  return new RelayBoxError(ErrorCode.NotFound, `no user "${userId}"`);
}
