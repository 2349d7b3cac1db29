import { describe, expect, it } from 'vitest';
import { OAuthClient } from './oauth-client.js';
import { codeChallengeS256 } from './pkce.js';
import { GOOGLE_ISSUER, githubEndpoints, resolveProviderConfig } from './provider-config.js';

const base = { id: 'p', clientId: 'id', clientSecret: 'secret' };

describe('provider presets', () => {
  it('fixes Google to accounts.google.com with OIDC scopes', () => {
    const google = resolveProviderConfig({ ...base, kind: 'google', issuer: 'https://evil.test' });
    expect(google.issuer).toBe(GOOGLE_ISSUER);
    expect(google.scopes).toEqual(['openid', 'email', 'profile']);
  });

  it('uses github.com or a GitHub Enterprise base, without openid', () => {
    expect(resolveProviderConfig({ ...base, kind: 'github' }).scopes).toEqual(['read:user', 'user:email']);
    expect(githubEndpoints()).toEqual({
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      api: 'https://api.github.com',
    });
    expect(githubEndpoints('https://git.corp.test').api).toBe('https://git.corp.test/api/v3');
  });

  it('adds openid to OIDC scopes and refuses unusable configs', () => {
    const oidc = resolveProviderConfig({
      ...base,
      kind: 'oidc',
      issuer: 'https://op.test',
      scopes: ['email'],
    });
    expect(oidc.scopes).toEqual(['openid', 'email']);
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    const invalid = 'oauth_provider_config_invalid';
    expect(code(() => resolveProviderConfig({ ...base, kind: 'oidc' }))).toBe(invalid);
    expect(code(() => resolveProviderConfig({ ...base, kind: 'oidc', issuer: 'ftp://op.test' }))).toBe(
      invalid,
    );
    expect(code(() => resolveProviderConfig({ ...base, id: 'Bad Id', kind: 'github' }))).toBe(invalid);
    expect(code(() => resolveProviderConfig({ ...base, clientSecret: '', kind: 'github' }))).toBe(invalid);
    expect(code(() => resolveProviderConfig({ ...base, kind: 'saml' as 'oidc' }))).toBe(invalid);
    expect(code(() => resolveProviderConfig({ ...base, kind: 'github', scopes: ['a b'] }))).toBe(invalid);
    expect(code(() => resolveProviderConfig({ ...base, kind: 'github', scopes: Array(21).fill('x') }))).toBe(
      invalid,
    );
  });
});

describe('startAuthorization for GitHub (no discovery)', () => {
  it('builds the authorize URL with PKCE S256 and state, without nonce', async () => {
    const redirectUri = 'https://app.test/cb';
    const pending = await new OAuthClient().startAuthorization({
      provider: { ...base, kind: 'github' },
      redirectUri,
      allowList: [redirectUri],
    });
    const url = new URL(pending.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'id',
      redirect_uri: redirectUri,
      scope: 'read:user user:email',
      state: pending.state,
      code_challenge: codeChallengeS256(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    expect(pending.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pending.state).not.toBe(pending.nonce);
  });
});

describe('PKCE', () => {
  it('matches the RFC 7636 Appendix B example', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});
