import { randomBytes } from 'node:crypto';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { AuthHooks } from './auth-events.js';
import type { AuthKeys } from './auth-keys.js';
import type { AuthResult, AuthService, MfaChallenge, MfaEnrollmentRequired } from './auth-service.js';
import type { OAuthClient } from './oidc/oauth-client.js';
import { type AuthUser, normalizeEmail, type UserStore } from './user-store.js';

/** How long a started OAuth sign-in may take to come back. */
export const OAUTH_FLOW_TTL_SEC = 600;
const MAX_CALLBACK_PARAMS = 8192;

interface Flow {
  /** provider id */
  p: string;
  s: string;
  n: string;
  v: string;
  /** redirect URI */
  r: string;
  /** expiry, ms */
  x: number;
}

/**
 * Sign-in with an app's OAuth / OIDC providers (authorization code + PKCE, `state`, `nonce`), through
 * `OAuthClient`. Stateless between the two calls: `start` answers the provider URL and a `flowToken`
 * (state, nonce and PKCE verifier sealed with AES-256-GCM for this app) that the app's page keeps and
 * posts back with the callback's query. Accounts are matched by the provider's **verified** email
 * (created on first sign-in, email verified, no password); a provider without one is refused.
 */
export class AuthOAuth {
  constructor(
    private readonly deps: {
      service: AuthService;
      store: UserStore;
      keys: AuthKeys;
      client: OAuthClient;
      hooks: AuthHooks;
      now?: () => number;
    },
  ) {}

  async start(
    appId: string,
    providerId: string,
    body: Record<string, unknown>,
  ): Promise<{ url: string; flowToken: string }> {
    const config = await this.deps.service.config(appId);
    const provider = config.providers.find((p) => p.id === providerId);
    if (!provider)
      throw new RelayBoxError(ErrorCode.NotFound, `app "${appId}" has no provider "${providerId}"`);
    if (typeof body.redirectUri !== 'string' || body.redirectUri.length > 2048) {
      throw new RelayBoxError(
        ErrorCode.InvalidRequest,
        '"redirectUri" must be one of the app\'s redirect URIs',
      );
    }
    const pending = await this.deps.client.startAuthorization({
      provider,
      redirectUri: body.redirectUri,
      allowList: config.redirectUris,
    });
    const flow: Flow = {
      p: providerId,
      s: pending.state,
      n: pending.nonce,
      v: pending.codeVerifier,
      r: body.redirectUri,
      x: this.now() + OAUTH_FLOW_TTL_SEC * 1000,
    };
    return { url: pending.url, flowToken: this.deps.keys.seal(JSON.stringify(flow), context(appId)) };
  }

  /** `{ flowToken, params }`: `params` = the query string the provider redirected the browser with. */
  async callback(
    appId: string,
    providerId: string,
    body: Record<string, unknown>,
  ): Promise<AuthResult | MfaChallenge | MfaEnrollmentRequired> {
    const config = await this.deps.service.config(appId);
    const provider = config.providers.find((p) => p.id === providerId);
    if (!provider)
      throw new RelayBoxError(ErrorCode.NotFound, `app "${appId}" has no provider "${providerId}"`);
    const flow = this.openFlow(body.flowToken, appId);
    if (flow.p !== providerId) throw invalidFlow();
    if (typeof body.params !== 'string' || body.params.length > MAX_CALLBACK_PARAMS) {
      throw new RelayBoxError(ErrorCode.InvalidRequest, '"params" must be the callback URL\'s query string');
    }
    const identity = await this.deps.client.completeAuthorization({
      provider,
      params: new URLSearchParams(body.params),
      expected: { state: flow.s, nonce: flow.n, codeVerifier: flow.v, redirectUri: flow.r },
    });
    if (!identity.email || !identity.emailVerified) {
      throw new RelayBoxError(
        ErrorCode.OAuthProfileInvalid,
        'the provider vouches for no verified email address',
      );
    }
    const user = await this.findOrCreate(appId, normalizeEmail(identity.email), identity);
    return this.deps.service.finishSignIn(user, `oauth:${providerId}`);
  }

  private async findOrCreate(
    appId: string,
    email: string,
    identity: { name: string | null; picture: string | null },
  ): Promise<AuthUser> {
    const existing = await this.deps.store.findUserByEmail(appId, email);
    if (existing) return existing;
    const now = this.now();
    const user: AuthUser = {
      id: `usr_${randomBytes(12).toString('base64url')}`,
      appId,
      email,
      emailVerified: true,
      passwordHash: null,
      displayName: identity.name?.slice(0, 100) ?? null,
      avatarUrl:
        identity.picture && /^https?:\/\//.test(identity.picture) ? identity.picture.slice(0, 2048) : null,
      disabled: false,
      permissions: null,
      mfa: { totpSecretSealed: null, totpEnabled: false, recoveryCodeHashes: [] },
      createdAt: now,
      updatedAt: now,
    };
    if (await this.deps.store.createUser(user)) {
      this.deps.hooks.event({ type: 'auth.signup', appId, userId: user.id, detail: { method: 'oauth' } });
      return user;
    }
    // Created concurrently by another callback for the same email.
    const raced = await this.deps.store.findUserByEmail(appId, email);
    if (!raced) throw new RelayBoxError(ErrorCode.StoreUnavailable, 'the user could not be created');
    return raced;
  }

  private openFlow(token: unknown, appId: string): Flow {
    if (typeof token !== 'string' || token.length > 2048) throw invalidFlow();
    let flow: Flow;
    try {
      flow = JSON.parse(this.deps.keys.open(token, context(appId))) as Flow;
    } catch {
      throw invalidFlow();
    }
    if (typeof flow.x !== 'number' || flow.x <= this.now()) throw invalidFlow();
    return flow;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function context(appId: string): string {
  return `oauth-flow:${appId}`;
}

function invalidFlow(): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.ActionTokenInvalid,
    '"flowToken" is not a sign-in this app started, or it expired',
  );
}
