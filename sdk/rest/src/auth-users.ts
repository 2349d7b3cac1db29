import type { PermissionMap } from '@relaybox/protocol';

/** A user of the app's pool as the app's backend sees it. */
export interface RestAuthUser {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
  mfaEnabled: boolean;
  disabled: boolean;
  /** Narrows the app's per-user policy for this user; null: the policy as is. */
  permissions: PermissionMap | null;
  createdAt: number;
  updatedAt: number;
}

export interface RestAuthSession {
  id: string;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface RestUsersPage {
  items: RestAuthUser[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next: string | null;
}

export interface RestUserPatch {
  disabled?: boolean;
  emailVerified?: boolean;
  permissions?: PermissionMap | null;
  displayName?: string | null;
  avatarUrl?: string | null;
}

type Call = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => Promise<unknown>;

/**
 * User administration of the app's user pool (`/v1/auth/:appId/admin/...`) with the API key.
 * Revoking or disabling closes the user's connections on every gateway and refuses their refresh.
 */
export class RestUsers {
  constructor(
    private readonly appId: string,
    private readonly call: Call,
  ) {}

  /** One page of users (`limit` 1-100 per the server, default 50). */
  list(params: { limit?: number; cursor?: string } = {}): Promise<RestUsersPage> {
    const query = new URLSearchParams();
    if (params.limit !== undefined) query.set('limit', String(params.limit));
    if (params.cursor !== undefined) query.set('cursor', params.cursor);
    const search = query.toString();
    return this.call('GET', `${this.base}/users${search ? `?${search}` : ''}`) as Promise<RestUsersPage>;
  }

  /** The user and their sessions; `not_found` when there is no such user. */
  get(userId: string): Promise<{ user: RestAuthUser; sessions: RestAuthSession[] }> {
    return this.call('GET', this.userPath(userId)) as Promise<{
      user: RestAuthUser;
      sessions: RestAuthSession[];
    }>;
  }

  async update(userId: string, patch: RestUserPatch): Promise<RestAuthUser> {
    const body = (await this.call('PATCH', this.userPath(userId), patch)) as { user: RestAuthUser };
    return body.user;
  }

  /** Disables the user: every session revoked, connections closed, sign-in refused. */
  disable(userId: string): Promise<RestAuthUser> {
    return this.update(userId, { disabled: true });
  }

  enable(userId: string): Promise<RestAuthUser> {
    return this.update(userId, { disabled: false });
  }

  /** Revokes every session of the user (they can sign in again). */
  revokeSessions(userId: string): Promise<{ revoked: number }> {
    return this.call('POST', `${this.userPath(userId)}/revoke`) as Promise<{ revoked: number }>;
  }

  revokeSession(sessionId: string): Promise<{ revoked: boolean }> {
    return this.call('POST', `${this.base}/sessions/${encodeURIComponent(sessionId)}/revoke`) as Promise<{
      revoked: boolean;
    }>;
  }

  private get base(): string {
    return `/v1/auth/${encodeURIComponent(this.appId)}/admin`;
  }

  private userPath(userId: string): string {
    return `${this.base}/users/${encodeURIComponent(userId)}`;
  }
}
