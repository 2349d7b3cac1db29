import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { jwtExpiry } from '../jwt-expiry.js';
import type { FetchLike } from '../relay-box-options.js';
import { toSocketUrl } from '../socket-url.js';
import { authRequest } from './auth-request.js';

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

/** Refusals after which the session is gone for good: the client signs out locally. */
const SESSION_ENDED = new Set<string>([
  ErrorCode.RefreshTokenInvalid,
  ErrorCode.RefreshTokenReused,
  ErrorCode.SessionRevoked,
  ErrorCode.UserDisabled,
]);

/**
 * End-user sign-in against the RelayBox auth service (`/v1/auth/:appId/...`, docs/auth.md). Holds
 * the session, renews the access token with the rotating refresh token (one refresh at a time: two
 * would present the same refresh token and the second would revoke the session as a reuse), and tells
 * listeners about every change. `getAccessToken` is what a `RelayBox` connection takes as `getToken`.
 */
export class RelayAuth {
  private state: AuthState = { user: null, session: null };
  private localExpiresAt: number | undefined;
  private receivedAt = 0;
  private refreshing: Promise<AuthSession> | undefined;
  private readonly listeners = new Set<AuthStateListener>();
  private readonly base: string;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly storageKey: string;

  constructor(private readonly options: RelayAuthOptions) {
    if (typeof options?.appId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(options.appId)) {
      throw new RelayBoxError(ErrorCode.InvalidOptions, 'appId must match [A-Za-z0-9_-]{1,64}');
    }
    const socket = new URL(toSocketUrl(options.url));
    this.base = `${socket.protocol === 'wss:' ? 'https:' : 'http:'}//${socket.host}/v1/auth/${options.appId}`;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function')
      throw new RelayBoxError(ErrorCode.InvalidOptions, 'no fetch: pass `fetch`');
    this.fetchImpl = (input, init) => fetchImpl(input, init);
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.storageKey = `relaybox.auth.${options.appId}`;
    this.restore();
  }

  get user(): AuthUser | null {
    return this.state.user;
  }

  get session(): AuthSession | null {
    return this.state.session;
  }

  /** Creates the account and signs in. */
  async signUp(input: { email: string; password: string; displayName?: string }): Promise<AuthState> {
    return this.start(await this.call('POST', '/signup', { body: input }));
  }

  async signIn(input: { email: string; password: string }): Promise<AuthState> {
    return this.start(await this.call('POST', '/signin', { body: input }));
  }

  /**
   * A valid access token, renewed first when past half its lifetime (so a connection's in-band
   * refresh always gets a new one). Rejects with `unauthorized` when signed out.
   */
  async getAccessToken(): Promise<string> {
    const session = this.state.session;
    if (!session) throw new RelayBoxError(ErrorCode.Unauthorized, 'not signed in');
    const expiresAt = this.localExpiresAt ?? session.accessTokenExpiresAt;
    const halfLife = this.receivedAt + (expiresAt - this.receivedAt) / 2;
    if (Date.now() < halfLife) return session.accessToken;
    return (await this.refreshSession()).accessToken;
  }

  /** Exchanges the refresh token for new tokens now. A revoked or reused session signs out locally. */
  refreshSession(): Promise<AuthSession> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The user as the server has it now (and updates the local copy). */
  async getUser(): Promise<AuthUser> {
    const body = await this.call('GET', '/user', { bearer: await this.getAccessToken() });
    return this.setUser(body?.user as AuthUser);
  }

  async updateUser(input: { displayName?: string | null; avatarUrl?: string | null }): Promise<AuthUser> {
    const body = await this.call('PATCH', '/user', { bearer: await this.getAccessToken(), body: input });
    return this.setUser(body?.user as AuthUser);
  }

  /** Ends this session on the server (its connections close) and locally. */
  signOut(): Promise<void> {
    return this.end('/signout');
  }

  /** Ends every session of the user, on every device. */
  signOutEverywhere(): Promise<void> {
    return this.end('/signout-everywhere');
  }

  /** Called on every sign-in, sign-out, token refresh and user update; returns the unsubscribe function. */
  onAuthStateChange(listener: AuthStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async doRefresh(): Promise<AuthSession> {
    const session = this.state.session;
    if (!session) throw new RelayBoxError(ErrorCode.Unauthorized, 'not signed in');
    let body: Record<string, unknown> | undefined;
    try {
      body = await this.call('POST', '/refresh', { body: { refreshToken: session.refreshToken } });
    } catch (error) {
      if (error instanceof RelayBoxError && SESSION_ENDED.has(error.code)) this.clear();
      throw error;
    }
    if (this.state.session !== session)
      throw new RelayBoxError(ErrorCode.Unauthorized, 'signed out meanwhile');
    this.apply(body, 'TOKEN_REFRESHED');
    return this.state.session as AuthSession;
  }

  private async end(path: string): Promise<void> {
    const session = this.state.session;
    if (!session) return;
    try {
      await this.call('POST', path, { bearer: session.accessToken });
    } catch (error) {
      // A session the server already ended is just as signed out; anything else is reported.
      if (
        !(error instanceof RelayBoxError) ||
        !(SESSION_ENDED.has(error.code) || error.code === 'token_expired')
      ) {
        throw error;
      }
    } finally {
      this.clear();
    }
  }

  private start(body: Record<string, unknown> | undefined): AuthState {
    this.apply(body, 'SIGNED_IN');
    return { ...this.state };
  }

  private apply(body: Record<string, unknown> | undefined, event: AuthChangeEvent): void {
    const session = body?.session as AuthSession | undefined;
    if (!session || typeof session.accessToken !== 'string' || typeof session.refreshToken !== 'string') {
      throw new RelayBoxError(ErrorCode.Internal, 'the auth service answered without a session');
    }
    this.state = { user: (body?.user as AuthUser) ?? this.state.user, session };
    this.receivedAt = Date.now();
    this.localExpiresAt = jwtExpiry(session.accessToken, this.receivedAt);
    this.persist();
    this.emit(event);
  }

  private setUser(user: AuthUser): AuthUser {
    if (!user || typeof user.id !== 'string')
      throw new RelayBoxError(ErrorCode.Internal, 'no user in the answer');
    this.state = { ...this.state, user };
    this.persist();
    this.emit('USER_UPDATED');
    return user;
  }

  private clear(): void {
    const had = this.state.session !== null;
    this.state = { user: null, session: null };
    this.localExpiresAt = undefined;
    this.persist();
    if (had) this.emit('SIGNED_OUT');
  }

  private emit(event: AuthChangeEvent): void {
    const state = { ...this.state };
    for (const listener of [...this.listeners]) {
      try {
        listener(event, state);
      } catch {
        // A listener's failure must not break sign-in or token refresh.
      }
    }
  }

  private call(method: 'GET' | 'POST' | 'PATCH', path: string, options: { body?: unknown; bearer?: string }) {
    return authRequest(this.fetchImpl, method, `${this.base}${path}`, {
      ...options,
      timeoutMs: this.timeoutMs,
    });
  }

  private persist(): void {
    const storage = this.options.storage;
    if (!storage) return;
    if (this.state.session) storage.setItem(this.storageKey, JSON.stringify(this.state));
    else storage.removeItem(this.storageKey);
  }

  private restore(): void {
    const raw = this.options.storage?.getItem(this.storageKey);
    if (!raw) return;
    try {
      const saved = JSON.parse(raw) as AuthState;
      if (typeof saved?.session?.refreshToken !== 'string') return;
      this.state = saved;
      // Unknown age: the first getAccessToken refreshes unless the token is clearly fresh.
      this.receivedAt = 0;
      this.localExpiresAt = saved.session.accessTokenExpiresAt;
    } catch {
      this.options.storage?.removeItem(this.storageKey);
    }
  }
}
