import type { PermissionMap } from '@relaybox/protocol';
import type { AuthSession, AuthUser } from './user-store.js';

/** What a user sees of itself (`GET /v1/auth/:appId/user`). */
export interface PublicUser {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
  mfaEnabled: boolean;
  createdAt: number;
}

/** What the app's backend sees (admin routes, API key). */
export interface AdminUser extends PublicUser {
  disabled: boolean;
  permissions: PermissionMap | null;
  updatedAt: number;
}

export interface SessionView {
  id: string;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

export function publicUser(user: AuthUser): PublicUser {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    displayName: user.displayName,
    avatarUrl: user.avatarUrl,
    mfaEnabled: user.mfa.totpEnabled,
    createdAt: user.createdAt,
  };
}

export function adminUser(user: AuthUser): AdminUser {
  return {
    ...publicUser(user),
    disabled: user.disabled,
    permissions: user.permissions,
    updatedAt: user.updatedAt,
  };
}

export function sessionView(session: AuthSession): SessionView {
  return {
    id: session.id,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    revoked: session.revoked,
  };
}
