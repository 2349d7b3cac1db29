import type { FetchLike } from '../relay-box-options.js';

/** A signed-in user as the auth service shows it to the user. */
export interface AuthUser {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
  mfaEnabled: boolean;
  createdAt: number;
}

/** The tokens of a session. The refresh token rotates on every refresh. */
export interface AuthSession {
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

export interface AuthState {
  user: AuthUser | null;
  session: AuthSession | null;
}

export type AuthChangeEvent = 'SIGNED_IN' | 'SIGNED_OUT' | 'TOKEN_REFRESHED' | 'USER_UPDATED';
export type AuthStateListener = (event: AuthChangeEvent, state: AuthState) => void;

/** Where the session is kept between page loads: `localStorage`, `sessionStorage`, or your own. */
export interface AuthStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface RelayAuthOptions {
  /** The gateway: `http(s)://host` or its WebSocket URL `ws(s)://host/v1/ws`. */
  url: string;
  /** The app whose users sign in. */
  appId: string;
  /** Keeps the session across page loads; default: memory only (signed out on reload). */
  storage?: AuthStorage;
  fetch?: FetchLike;
  /** Time for the auth service to answer; default 10 s. */
  requestTimeoutMs?: number;
}

/** `signIn` of a user with an authenticator: no session yet, `verifyMfa` completes it. */
export interface MfaChallenge {
  user: null;
  session: null;
  mfaRequired: true;
}

/**
 * Sign-up or sign-in in an app that requires MFA, by a user without an authenticator: no session
 * yet; `enrollMfa()` then `activateMfa({ code })` add one and sign in.
 */
export interface MfaEnrollment {
  user: null;
  session: null;
  mfaEnrollmentRequired: true;
}

export type SignInResult = (AuthState & { mfaRequired?: false }) | MfaChallenge | MfaEnrollment;

/** The second factor: the authenticator's current code, or one of the recovery codes. */
export type MfaSecondFactor = { code: string } | { recoveryCode: string };
