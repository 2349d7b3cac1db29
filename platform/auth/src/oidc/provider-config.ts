import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';

/** One sign-in provider of an app (docs/auth.md#oauth-and-oidc-providers). */
export interface OAuthProviderConfig {
  /** The app's name for it (`github`, `corp-sso`...): 1-64 of [a-z0-9_-]. */
  id: string;
  /** `oidc`: any OpenID Connect provider by discovery; `github`, `google`: presets. */
  kind: 'oidc' | 'github' | 'google';
  /** The OIDC issuer (required for `oidc`; fixed for `google`; a GitHub Enterprise base URL for `github`). */
  issuer?: string;
  clientId: string;
  clientSecret: string;
  /** Scopes to ask for; the preset's defaults when absent. `openid` is always added for OIDC. */
  scopes?: string[];
}

/** Where a plain OAuth 2.0 provider (GitHub) is reached: no discovery, fixed endpoints. */
export interface OAuthEndpoints {
  authorization: string;
  token: string;
  /** GitHub REST API base (`/user`, `/user/emails`). */
  api: string;
}

export const GOOGLE_ISSUER = 'https://accounts.google.com';
export const GITHUB_ISSUER = 'https://github.com';

const ID = /^[a-z0-9_-]{1,64}$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/; // RFC 6749 §3.3 scope-token
const MAX_SCOPES = 20;

export const DEFAULT_SCOPES: Record<OAuthProviderConfig['kind'], string[]> = {
  oidc: ['openid', 'email', 'profile'],
  google: ['openid', 'email', 'profile'],
  github: ['read:user', 'user:email'],
};

/** The GitHub endpoints: github.com, or a GitHub Enterprise Server at `issuer` (`<issuer>/api/v3`). */
export function githubEndpoints(issuer: string = GITHUB_ISSUER): OAuthEndpoints {
  const base = issuer.replace(/\/$/, '');
  return {
    authorization: `${base}/login/oauth/authorize`,
    token: `${base}/login/oauth/access_token`,
    api: base === GITHUB_ISSUER ? 'https://api.github.com' : `${base}/api/v3`,
  };
}

/** The config with its preset applied (issuer, scopes), or `oauth_provider_config_invalid`. */
export function resolveProviderConfig(config: OAuthProviderConfig): Required<OAuthProviderConfig> {
  const invalid = (message: string) =>
    new AuthProviderError(AuthProviderErrorCode.ProviderConfigInvalid, `provider ${config?.id}: ${message}`);
  if (!config || typeof config.id !== 'string' || !ID.test(config.id)) {
    throw invalid('id must be 1-64 of [a-z0-9_-]');
  }
  if (!['oidc', 'github', 'google'].includes(config.kind))
    throw invalid('kind must be oidc, github or google');
  for (const field of ['clientId', 'clientSecret'] as const) {
    const value = config[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
      throw invalid(`${field} must be 1-512 characters`);
    }
  }
  let issuer = config.issuer;
  if (config.kind === 'google') issuer = GOOGLE_ISSUER;
  if (config.kind === 'github') issuer ??= GITHUB_ISSUER;
  if (typeof issuer !== 'string' || !isHttpUrl(issuer)) throw invalid('issuer must be an http(s) URL');
  const scopes = [...(config.scopes ?? DEFAULT_SCOPES[config.kind])];
  if (config.kind !== 'github' && !scopes.includes('openid')) scopes.unshift('openid');
  if (scopes.length > MAX_SCOPES || !scopes.every((s) => typeof s === 'string' && SCOPE.test(s))) {
    throw invalid(`scopes must be at most ${MAX_SCOPES} RFC 6749 scope tokens`);
  }
  return { ...config, issuer, scopes };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}
