import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { jwtExpiry } from '../jwt-expiry.js';
import type { FetchLike } from '../relay-box-options.js';
import { toSocketUrl } from '../socket-url.js';
import { authRequest } from './auth-request.js';
import { pageStorage, tokenFromLocation } from './auth-storage.js';
import type {
  AuthChangeEvent,
  AuthSession,
  AuthState,
  AuthStateListener,
  AuthStorage,
  AuthUser,
  MfaSecondFactor,
  RelayAuthOptions,
  SignInResult,
} from './auth-types.js';

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
  private mfaToken: string | undefined;
  /** Set while a sign-in waits for the authenticator an app requires (`mfaEnrollmentRequired`). */
  private enrollToken: string | undefined;
  private flowStorage: AuthStorage | undefined;
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

  /** Creates the account and signs in (an app that requires MFA answers `mfaEnrollmentRequired`). */
  async signUp(input: { email: string; password: string; displayName?: string }): Promise<SignInResult> {
    return this.signedInOrChallenge(await this.call('POST', '/signup', { body: input }));
  }

  /** Signs in; a user with an authenticator gets `{ mfaRequired: true }`: finish with `verifyMfa`. */
  async signIn(input: { email: string; password: string }): Promise<SignInResult> {
    return this.signedInOrChallenge(await this.call('POST', '/signin', { body: input }));
  }

  /**
   * Starts signing in with one of the app's OAuth / OIDC providers: the service answers the
   * provider's URL and a sealed flow token; the token is kept (the `storage`, else the page's
   * `sessionStorage`) and the browser goes to the provider. On the `redirectUri` page, call
   * `completeOAuthSignIn()`. `redirect: false` returns the URL instead of navigating.
   */
  async signInWithOAuth(input: {
    provider: string;
    redirectUri: string;
    redirect?: boolean;
  }): Promise<{ url: string }> {
    if (!/^[a-z0-9_-]{1,64}$/.test(input.provider)) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, "provider must be one of the app's provider ids");
    }
    const body = await this.call('POST', `/oauth/${input.provider}/start`, {
      body: { redirectUri: input.redirectUri },
    });
    const url = String(body?.url);
    this.flows().setItem(
      `${this.storageKey}.oauth`,
      JSON.stringify({ provider: input.provider, flowToken: body?.flowToken }),
    );
    if (input.redirect !== false)
      (globalThis as { location?: { assign(url: string): void } }).location?.assign(url);
    return { url };
  }

  /**
   * Finishes an OAuth sign-in on the redirect page with the query the provider came back with
   * (default: this page's). The flow token is used once: a reloaded or replayed callback is refused.
   */
  async completeOAuthSignIn(params?: string): Promise<SignInResult> {
    const key = `${this.storageKey}.oauth`;
    const raw = this.flows().getItem(key);
    this.flows().removeItem(key);
    const flow = raw ? (JSON.parse(raw) as { provider?: string; flowToken?: string }) : undefined;
    if (!flow?.provider || !flow.flowToken) {
      throw new RelayBoxError(ErrorCode.OAuthStateMismatch, 'no OAuth sign-in was started in this browser');
    }
    const search = params ?? (globalThis as { location?: { search: string } }).location?.search ?? '';
    const body = await this.call('POST', `/oauth/${flow.provider}/callback`, {
      body: { flowToken: flow.flowToken, params: search.replace(/^\?/, '') },
    });
    return this.signedInOrChallenge(body);
  }

  /** The second step of a sign-in that answered `mfaRequired` (within the challenge's few minutes). */
  async verifyMfa(factor: MfaSecondFactor): Promise<AuthState> {
    if (!this.mfaToken)
      throw new RelayBoxError(ErrorCode.InvalidRequest, 'no sign-in is waiting for a second factor');
    const body = await this.call('POST', '/signin/mfa', { body: { ...factor, mfaToken: this.mfaToken } });
    this.mfaToken = undefined;
    return this.start(body);
  }

  /** Starts adding an authenticator: show `qrSvg` (or `otpauthUri`), then `activateMfa` with a code. */
  async enrollMfa(): Promise<{ otpauthUri: string; qrSvg: string }> {
    if (this.enrollToken && !this.state.session) {
      const body = await this.call('POST', '/signin/mfa-enroll', { body: { enrollToken: this.enrollToken } });
      return body as { otpauthUri: string; qrSvg: string };
    }
    const body = await this.call('POST', '/mfa/totp/enroll', { bearer: await this.getAccessToken() });
    return body as { otpauthUri: string; qrSvg: string };
  }

  /** Turns the enrolled authenticator on; returns the recovery codes, shown to the user once. */
  async activateMfa(input: { code: string }): Promise<{ recoveryCodes: string[] }> {
    if (this.enrollToken && !this.state.session) {
      const body = await this.call('POST', '/signin/mfa-activate', {
        body: { ...input, enrollToken: this.enrollToken },
      });
      this.enrollToken = undefined;
      this.start(body);
      return { recoveryCodes: body?.recoveryCodes as string[] };
    }
    const body = await this.call('POST', '/mfa/totp/activate', {
      bearer: await this.getAccessToken(),
      body: input,
    });
    await this.getUser();
    return body as { recoveryCodes: string[] };
  }

  async disableMfa(factor: MfaSecondFactor): Promise<void> {
    await this.call('POST', '/mfa/totp/disable', { bearer: await this.getAccessToken(), body: factor });
    await this.getUser();
  }

  /** Mails the signed-in user a verification link (`{ sent: false }` when already verified). */
  async requestEmailVerification(): Promise<{ sent: boolean }> {
    return (await this.call('POST', '/verify-email/request', { bearer: await this.getAccessToken() })) as {
      sent: boolean;
    };
  }

  /** Confirms the email with the link's token (default: `#token=` of the page's URL). */
  async verifyEmail(token: string = tokenFromLocation()): Promise<AuthUser> {
    const body = await this.call('POST', '/verify-email', { body: { token } });
    const user = body?.user as AuthUser;
    return this.state.user?.id === user?.id ? this.setUser(user) : user;
  }

  /** Mails a reset link if the address has an account (the answer is the same either way). */
  async requestPasswordReset(input: { email: string }): Promise<void> {
    await this.call('POST', '/password-reset/request', { body: input });
  }

  /** Sets a new password with the link's token (default: `#token=` of the page's URL); it works once. */
  async resetPassword(input: { password: string; token?: string }): Promise<void> {
    await this.call('POST', '/password-reset', {
      body: { token: input.token ?? tokenFromLocation(), password: input.password },
    });
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

  private signedInOrChallenge(body: Record<string, unknown> | undefined): SignInResult {
    if (body?.mfaEnrollmentRequired === true && typeof body.enrollToken === 'string') {
      this.enrollToken = body.enrollToken;
      return { user: null, session: null, mfaEnrollmentRequired: true };
    }
    if (body?.mfaRequired === true && typeof body.mfaToken === 'string') {
      this.mfaToken = body.mfaToken;
      return { user: null, session: null, mfaRequired: true };
    }
    return this.start(body);
  }

  /** Where a started OAuth flow waits for the redirect back: it must outlive the page. */
  private flows(): AuthStorage {
    this.flowStorage ??= pageStorage(this.options.storage);
    return this.flowStorage;
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
