import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient, type OAuthProviderConfig } from '../src/index.js';
import { accountClaims, TestOidcProvider } from './oidc-provider.js';

const REDIRECT = 'http://127.0.0.1:5999/auth/callback';
const CLIENT = { id: 'chat-app', secret: 'chat-app-secret-0123456789abcdef', redirectUris: [REDIRECT] };

let op: TestOidcProvider;
let opStrict: TestOidcProvider;
let provider: OAuthProviderConfig;

beforeAll(async () => {
  op = await TestOidcProvider.start({ clients: [CLIENT], claimsInIdToken: true });
  opStrict = await TestOidcProvider.start({ clients: [CLIENT] });
  provider = {
    id: 'corp',
    kind: 'oidc',
    issuer: op.issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
  };
});
afterAll(async () => {
  await op?.close();
  await opStrict?.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

async function signIn(
  client: OAuthClient,
  config: OAuthProviderConfig,
  issuer: TestOidcProvider,
  login: string,
) {
  const pending = await client.startAuthorization({
    provider: config,
    redirectUri: REDIRECT,
    allowList: [REDIRECT],
  });
  const callback = await issuer.signIn(pending.url, login);
  return { pending, callback, expected: { ...pending, redirectUri: REDIRECT } };
}

describe('OAuthClient against a real OpenID Connect provider', () => {
  it('runs the code flow with PKCE and returns the verified identity (claims in the id_token)', async () => {
    const client = new OAuthClient();
    const { pending, callback, expected } = await signIn(client, provider, op, 'ann');
    const url = new URL(pending.url);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toBe(pending.nonce);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get('state')).toBe(pending.state);

    const identity = await client.completeAuthorization({
      provider,
      params: callback.searchParams,
      expected,
    });
    const claims = accountClaims('ann');
    expect(identity).toEqual({
      subject: 'ann',
      email: claims.email,
      emailVerified: true,
      name: claims.name,
      picture: claims.picture,
      issuer: op.issuer,
    });
  });

  it('takes the profile from userinfo when the provider keeps it out of the id_token', async () => {
    const client = new OAuthClient();
    const strict = { ...provider, issuer: opStrict.issuer };
    const { callback, expected } = await signIn(client, strict, opStrict, 'bob');
    const identity = await client.completeAuthorization({
      provider: strict,
      params: callback.searchParams,
      expected,
    });
    expect(identity).toMatchObject({
      subject: 'bob',
      email: 'bob@example.test',
      emailVerified: true,
      name: 'User bob',
    });
  });

  it('refuses a wrong state, a foreign iss and an error answer', async () => {
    const client = new OAuthClient();
    const { callback, expected } = await signIn(client, provider, op, 'ann');
    const params = Object.fromEntries(callback.searchParams);
    const complete = (p: Record<string, string>, e = expected) =>
      codeOf(client.completeAuthorization({ provider, params: p, expected: e }));
    expect(await complete({ ...params, state: `${params.state}x` })).toBe('oauth_state_mismatch');
    expect(await complete({ ...params, state: '' })).toBe('oauth_state_mismatch');
    expect(await complete(params, { ...expected, state: '' })).toBe('oauth_state_mismatch');
    expect(await complete({ ...params, iss: opStrict.issuer })).toBe('oauth_state_mismatch');
    expect(await complete({ state: params.state!, error: 'access_denied' })).toBe('oauth_provider_error');
    // The code was never redeemed above: it still works.
    expect(await complete(params)).toBe('ok');
  });

  it('surfaces the provider refusing to sign in silently (prompt=none) as oauth_provider_error', async () => {
    const client = new OAuthClient();
    const pending = await client.startAuthorization({
      provider,
      redirectUri: REDIRECT,
      allowList: [REDIRECT],
    });
    const response = await fetch(`${pending.url}&prompt=none`, { redirect: 'manual' });
    const callback = new URL(response.headers.get('location') ?? '');
    expect(callback.searchParams.get('error')).toBe('login_required');
    const error = await client
      .completeAuthorization({
        provider,
        params: callback.searchParams,
        expected: { ...pending, redirectUri: REDIRECT },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'oauth_provider_error', status: 401 });
    expect(String((error as Error).message)).toContain('login_required');
  });

  it('refuses a replayed code, a wrong verifier and a wrong nonce', async () => {
    const client = new OAuthClient();
    const first = await signIn(client, provider, op, 'ann');
    const complete = (callback: URL, expected: typeof first.expected) =>
      codeOf(client.completeAuthorization({ provider, params: callback.searchParams, expected }));
    expect(await complete(first.callback, first.expected)).toBe('ok');
    expect(await complete(first.callback, first.expected)).toBe('oauth_code_rejected');

    const second = await signIn(client, provider, op, 'ann');
    const verifier = { ...second.expected, codeVerifier: `${second.expected.codeVerifier.slice(1)}A` };
    expect(await complete(second.callback, verifier)).toBe('oauth_code_rejected');

    const third = await signIn(client, provider, op, 'ann');
    const nonce = { ...third.expected, nonce: 'another-nonce' };
    expect(await complete(third.callback, nonce)).toBe('oauth_id_token_invalid');
  });

  it('refuses a redirect URI outside the allow list before contacting the provider', async () => {
    const client = new OAuthClient();
    const start = (redirectUri: string, allowList = [REDIRECT]) =>
      codeOf(client.startAuthorization({ provider, redirectUri, allowList }));
    expect(await start('http://127.0.0.1:5999/auth/callback/')).toBe('oauth_redirect_not_allowed');
    expect(await start('http://127.0.0.1:5999/auth/callback?next=/admin')).toBe('oauth_redirect_not_allowed');
    expect(await start('http://evil.test/auth/callback')).toBe('oauth_redirect_not_allowed');
    expect(await start(`${REDIRECT}#x`, [`${REDIRECT}#x`])).toBe('oauth_redirect_not_allowed');
    expect(await start('javascript:alert(1)', ['javascript:alert(1)'])).toBe('oauth_redirect_not_allowed');
    expect(await start(REDIRECT, [])).toBe('oauth_redirect_not_allowed');
  });

  it('picks up a key rotation at the provider (new kid)', async () => {
    const client = new OAuthClient({ jwksCooldownMs: 0 });
    const before = await signIn(client, provider, op, 'ann');
    await client.completeAuthorization({
      provider,
      params: before.callback.searchParams,
      expected: before.expected,
    });
    const oldKid = op.kid;
    const fetches = op.jwksFetches;

    await op.rotateKeys();
    expect(op.kid).not.toBe(oldKid);
    const after = await signIn(client, provider, op, 'carol');
    const identity = await client.completeAuthorization({
      provider,
      params: after.callback.searchParams,
      expected: after.expected,
    });
    expect(identity.subject).toBe('carol');
    expect(op.jwksFetches).toBeGreaterThan(fetches);
  });
});

describe('OAuthClient bounds', () => {
  let silent: Server;
  let silentIssuer: string;
  beforeAll(async () => {
    silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentIssuer = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    silent.closeAllConnections();
    silent.close();
  });

  it('gives up on a provider that does not answer within the timeout', async () => {
    const client = new OAuthClient({ http: { timeoutMs: 300, maxBytes: 64 * 1024 } });
    const config = { ...provider, issuer: silentIssuer };
    const error = await client
      .startAuthorization({ provider: config, redirectUri: REDIRECT, allowList: [REDIRECT] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'oauth_provider_unavailable', status: 503, retryable: true });
  });

  it('refuses a discovery document larger than the bound, and an unreachable issuer', async () => {
    const small = new OAuthClient({ http: { timeoutMs: 2_000, maxBytes: 200 } });
    const start = (c: OAuthClient, issuer: string) =>
      codeOf(
        c.startAuthorization({
          provider: { ...provider, issuer },
          redirectUri: REDIRECT,
          allowList: [REDIRECT],
        }),
      );
    expect(await start(small, op.issuer)).toBe('oauth_provider_unavailable');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await start(new OAuthClient(), `http://127.0.0.1:${port}`)).toBe('oauth_provider_unavailable');
  });
});
