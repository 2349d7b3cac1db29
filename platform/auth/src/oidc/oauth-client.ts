import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { DEFAULT_HTTP_LIMITS, objectOf, type ProviderHttpLimits, providerFetch } from './bounded-fetch.js';
import { githubIdentity } from './github-profile.js';
import { verifyIdToken } from './id-token.js';
import { OidcDiscovery, type OidcMetadata } from './oidc-discovery.js';
import { codeChallengeS256, randomToken, safeEqual } from './pkce.js';
import { githubEndpoints, type OAuthProviderConfig, resolveProviderConfig } from './provider-config.js';
import { checkRedirectUri } from './redirect-uri.js';
import { exchangeCode } from './token-exchange.js';

/** Who signed in, as the provider vouches for it. `subject` is stable per (issuer, user). */
export interface OAuthIdentity {
  subject: string;
  email: string | null;
  /** Only a verified email may be used to link to an existing account. */
  emailVerified: boolean;
  name: string | null;
  picture: string | null;
  issuer: string;
}

/** What the service keeps (server side, bound to the browser) between start and callback. */
export interface PendingAuthorization {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OAuthClientOptions {
  http?: ProviderHttpLimits;
  /** How long a discovery document is used before it is fetched again; default 1 h. */
  discoveryTtlMs?: number;
  /** Least time between two JWKS fetches caused by an unknown `kid`; default 30 s. */
  jwksCooldownMs?: number;
  /** A JWKS older than this is fetched again on use; default 10 min. */
  jwksMaxAgeMs?: number;
  clockToleranceSec?: number;
}

const MAX_PARAM = 4096;

/**
 * The relying-party side of OAuth 2.0 authorization code + PKCE (S256) and OpenID Connect, for the
 * generic OIDC kind and the GitHub and Google presets. Stateless between calls: the caller keeps the
 * `PendingAuthorization` (state, nonce, verifier) for the callback. Holds the discovery and JWKS
 * caches, so one instance serves every app and provider of a process.
 */
export class OAuthClient {
  private readonly http: ProviderHttpLimits;
  private readonly discovery: OidcDiscovery;
  private readonly jwks = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: OAuthClientOptions = {}) {
    this.http = options.http ?? DEFAULT_HTTP_LIMITS;
    this.discovery = new OidcDiscovery(this.http, options.discoveryTtlMs);
  }

  /** The provider's authorization URL and the secrets to check its callback with. */
  async startAuthorization(input: {
    provider: OAuthProviderConfig;
    redirectUri: string;
    allowList: readonly string[];
  }): Promise<PendingAuthorization> {
    checkRedirectUri(input.redirectUri, input.allowList);
    const provider = resolveProviderConfig(input.provider);
    const authorizationEndpoint =
      provider.kind === 'github'
        ? githubEndpoints(provider.issuer).authorization
        : (await this.discovery.metadata(provider.issuer)).authorization_endpoint;
    const state = randomToken();
    const nonce = randomToken();
    const codeVerifier = randomToken();
    const url = new URL(authorizationEndpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: input.redirectUri,
      scope: provider.scopes.join(' '),
      state,
      code_challenge: codeChallengeS256(codeVerifier),
      code_challenge_method: 'S256',
    };
    if (provider.kind !== 'github') params.nonce = nonce;
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return { url: url.toString(), state, nonce, codeVerifier };
  }

  /**
   * Checks the callback and redeems its code. Refuses, in this order: a `state` that is not the
   * expected one (`oauth_state_mismatch`), an `iss` of another provider (RFC 9207 mix-up defence,
   * `oauth_state_mismatch`), an `error` answer (`oauth_provider_error`), a code the token endpoint
   * refuses (`oauth_code_rejected`), an id_token that fails verification (`oauth_id_token_invalid`).
   */
  async completeAuthorization(input: {
    provider: OAuthProviderConfig;
    params: URLSearchParams | Record<string, string | undefined>;
    expected: { state: string; nonce: string; codeVerifier: string; redirectUri: string };
  }): Promise<OAuthIdentity> {
    const provider = resolveProviderConfig(input.provider);
    const param = paramReader(input.params);
    const state = param('state');
    if (!state || !input.expected.state || !safeEqual(state, input.expected.state)) {
      throw new AuthProviderError(
        AuthProviderErrorCode.StateMismatch,
        'the callback state is not the one this sign-in started with',
      );
    }
    const error = param('error');
    if (error) {
      const description = param('error_description');
      throw new AuthProviderError(
        AuthProviderErrorCode.ProviderDenied,
        `the provider answered ${error.slice(0, 64)}${description ? `: ${description.slice(0, 200)}` : ''}`,
      );
    }
    const code = param('code');
    if (!code) throw new AuthProviderError(AuthProviderErrorCode.CodeRejected, 'the callback has no code');
    if (provider.kind === 'github') return this.completeGithub(provider, code, input.expected);

    const metadata = await this.discovery.metadata(provider.issuer);
    const iss = param('iss');
    if (
      (iss !== undefined || metadata.authorization_response_iss_parameter_supported) &&
      iss !== metadata.issuer
    ) {
      throw new AuthProviderError(
        AuthProviderErrorCode.StateMismatch,
        'the callback comes from another issuer than the one this sign-in started with',
      );
    }
    const tokens = await exchangeCode(
      {
        tokenEndpoint: metadata.token_endpoint,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        code,
        redirectUri: input.expected.redirectUri,
        codeVerifier: input.expected.codeVerifier,
        authMethod: authMethodOf(metadata),
      },
      this.http,
    );
    if (typeof tokens.id_token !== 'string') {
      throw new AuthProviderError(AuthProviderErrorCode.IdTokenInvalid, 'the token response has no id_token');
    }
    const claims = await verifyIdToken(tokens.id_token, this.keysOf(metadata.jwks_uri), {
      issuer: metadata.issuer,
      clientId: provider.clientId,
      nonce: input.expected.nonce,
      algorithms: metadata.id_token_signing_alg_values_supported,
      clockToleranceSec: this.options.clockToleranceSec ?? 30,
    });
    // Providers that follow OIDC Core §5.4 strictly put scope claims in userinfo, not the id_token.
    const profile =
      claims.email === undefined && metadata.userinfo_endpoint
        ? {
            ...claims,
            ...(await this.userinfo(metadata.userinfo_endpoint, tokens.access_token as string, claims.sub)),
          }
        : claims;
    return {
      subject: claims.sub,
      email: typeof profile.email === 'string' ? profile.email : null,
      emailVerified: profile.email_verified === true,
      name: typeof profile.name === 'string' ? profile.name : null,
      picture: typeof profile.picture === 'string' ? profile.picture : null,
      issuer: metadata.issuer,
    };
  }

  private async completeGithub(
    provider: Required<OAuthProviderConfig>,
    code: string,
    expected: { codeVerifier: string; redirectUri: string },
  ): Promise<OAuthIdentity> {
    const endpoints = githubEndpoints(provider.issuer);
    const tokens = await exchangeCode(
      {
        tokenEndpoint: endpoints.token,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        code,
        redirectUri: expected.redirectUri,
        codeVerifier: expected.codeVerifier,
        authMethod: 'client_secret_post',
      },
      this.http,
    );
    return githubIdentity(endpoints.api, provider.issuer, tokens.access_token as string, this.http);
  }

  /** OIDC Core §5.3.2: the userinfo `sub` must be the id_token's, or the answer is not used. */
  private async userinfo(
    endpoint: string,
    accessToken: string,
    sub: string,
  ): Promise<Record<string, unknown>> {
    const { status, json } = await providerFetch(
      endpoint,
      { headers: { authorization: `Bearer ${accessToken}` } },
      this.http,
    );
    const body = objectOf(json);
    if (status !== 200 || !body || body.sub !== sub) return {};
    return body;
  }

  private keysOf(jwksUri: string): JWTVerifyGetKey {
    let keys = this.jwks.get(jwksUri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: this.http.timeoutMs,
        cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: this.options.jwksMaxAgeMs ?? 10 * 60_000,
      });
      this.jwks.set(jwksUri, keys);
    }
    return keys;
  }
}

function authMethodOf(metadata: OidcMetadata): 'client_secret_basic' | 'client_secret_post' {
  const supported = metadata.token_endpoint_auth_methods_supported;
  // Absent means client_secret_basic (OpenID Connect Discovery §3).
  if (!supported || supported.includes('client_secret_basic')) return 'client_secret_basic';
  return 'client_secret_post';
}

function paramReader(params: URLSearchParams | Record<string, string | undefined>) {
  return (name: string): string | undefined => {
    const value = params instanceof URLSearchParams ? params.get(name) : params[name];
    if (value === null || value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || value.length > MAX_PARAM) {
      throw new AuthProviderError(
        AuthProviderErrorCode.StateMismatch,
        `callback parameter ${name} is invalid`,
      );
    }
    return value;
  };
}
