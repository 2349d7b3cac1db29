import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient, type OAuthProviderConfig } from '../src/index.js';

// The GitHub preset end to end against a loopback stand-in for a GitHub Enterprise Server (the tests
// have no internet): it implements the documented web application flow (authorize with PKCE, the
// access_token endpoint answering refusals with 200 + `error`, `/api/v3/user` and `/user/emails`).
const REDIRECT = 'https://chat.test/auth/github';
const CLIENT = { id: 'Iv1.chatapp', secret: 'github-client-secret-0123456789' };

let server: Server;
let base: string;
const codes = new Map<string, { challenge: string; redirectUri: string }>();
const tokens = new Set<string>();
let emails: unknown = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/login/oauth/authorize') {
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri: url.searchParams.get('redirect_uri') ?? '',
      });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      if (form.get('client_id') !== CLIENT.id || form.get('client_secret') !== CLIENT.secret) {
        return json(200, { error: 'incorrect_client_credentials' });
      }
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (!grant || grant.challenge !== verifier || grant.redirectUri !== form.get('redirect_uri')) {
        return json(200, { error: 'bad_verification_code' });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!tokens.has(bearer)) return json(401, { message: 'Bad credentials' });
    if (url.pathname === '/api/v3/user') {
      return json(200, {
        id: 583231,
        login: 'octocat',
        name: null,
        avatar_url: 'https://gh.test/octocat.png',
      });
    }
    if (url.pathname === '/api/v3/user/emails') return json(200, emails);
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function flow(client: OAuthClient, provider: OAuthProviderConfig) {
  const pending = await client.startAuthorization({ provider, redirectUri: REDIRECT, allowList: [REDIRECT] });
  const response = await fetch(pending.url, { redirect: 'manual' });
  const callback = new URL(response.headers.get('location') ?? '');
  return { pending, callback, expected: { ...pending, redirectUri: REDIRECT } };
}

describe('GitHub preset', () => {
  const provider: OAuthProviderConfig = {
    id: 'github',
    kind: 'github',
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
  };

  it('signs in with the numeric id as subject and the verified primary email', async () => {
    emails = [
      { email: 'octo@public.test', primary: false, verified: true },
      { email: 'octocat@github.test', primary: true, verified: true },
    ];
    const client = new OAuthClient();
    const config = { ...provider, issuer: base };
    const { callback, expected } = await flow(client, config);
    const identity = await client.completeAuthorization({
      provider: config,
      params: callback.searchParams,
      expected,
    });
    expect(identity).toEqual({
      subject: '583231',
      email: 'octocat@github.test',
      emailVerified: true,
      name: 'octocat',
      picture: 'https://gh.test/octocat.png',
      issuer: base,
    });
  });

  it('reports an unverified primary email as such, and a replayed code or wrong secret as oauth_code_rejected', async () => {
    emails = [{ email: 'new@github.test', primary: true, verified: false }];
    const client = new OAuthClient();
    const config = { ...provider, issuer: base };
    const { callback, expected } = await flow(client, config);
    const identity = await client.completeAuthorization({
      provider: config,
      params: callback.searchParams,
      expected,
    });
    expect(identity).toMatchObject({ email: 'new@github.test', emailVerified: false });

    const replay = await client
      .completeAuthorization({ provider: config, params: callback.searchParams, expected })
      .catch((e: unknown) => e);
    expect(replay).toMatchObject({ code: 'oauth_code_rejected' });
    expect((replay as Error).message).toContain('bad_verification_code');

    const second = await flow(client, config);
    const wrongSecret = { ...config, clientSecret: 'not-the-secret' };
    await expect(
      client.completeAuthorization({
        provider: wrongSecret,
        params: second.callback.searchParams,
        expected: second.expected,
      }),
    ).rejects.toMatchObject({ code: 'oauth_code_rejected' });
  });
});
