import type { PermissionMap } from './permissions.js';

// Wire types of the inspector's auth routes (`/v1/admin/auth/...`, docs/inspector.md#auth). No
// password hash, TOTP seed, refresh token or access token appears in any of them.

/** An app with a user pool (`GET /v1/admin/auth/apps`). */
export interface AdminAuthApp {
  appId: string;
  /** Whether mails go to the dev mailbox (no SMTP configured). */
  devMailbox: boolean;
  mfaRequired: boolean;
}

/** One end user (`GET /v1/admin/auth/users?appId=`). */
export interface AdminAuthUser {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
  mfaEnabled: boolean;
  disabled: boolean;
  permissions: PermissionMap | null;
  createdAt: number;
  updatedAt: number;
  /** When the newest session still alive began (each sign-in starts one); null: none alive. */
  lastSignInAt: number | null;
}

/** One session (family of refresh tokens) of a user. */
export interface AdminAuthSession {
  id: string;
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

/** One mail of the dev mailbox (`GET /v1/admin/auth/dev-mailbox?appId=`), newest first. */
export interface AdminDevMail {
  id: string;
  time: number;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  links: string[];
}
