import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestOidcProvider } from '../../../auth/test/oidc-provider.js';
import { TestClient, wsUrl } from '../harness.js';
import {
  AUTH_APP,
  type AuthCluster,
  call,
  type SignedIn,
  signIn,
  startAuthCluster,
} from './live-auth-cluster.js';

const REDIRECT = 'https://alpha.example/auth/callback';
const CLIENT = {
  id: 'relaybox-alpha',
  secret: 'relaybox-alpha-client-secret-0001',
  redirectUris: [REDIRECT],
};

let op: TestOidcProvider;
let cluster: AuthCluster;
beforeAll(async () => {
  op = await TestOidcProvider.start({ clients: [CLIENT], claimsInIdToken: true });
  cluster = await startAuthCluster(
    2,
    {},
    {
      providers: [
        { id: 'corp', kind: 'oidc', issuer: op.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret },
      ],
      redirectUris: [REDIRECT],
    },
  );
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
  await op?.close();
});

const gw = (i: number) => cluster.gateways[i]!;
const path = (p: string) => `/v1/auth/${AUTH_APP}/${p}`;
const start = (i: number, redirectUri = REDIRECT) =>
  call<{ url: string; flowToken: string }>(gw(i), 'POST', path('oauth/corp/start'), {
    body: { redirectUri },
  });

describe('OAuth / OIDC sign-in against a real oidc-provider, over two gateway processes', () => {
  it('signs in through the provider, creates the user with its verified email, and connects', async () => {
    const started = await start(0);
    expect(started.status).toBe(200);
    const authorize = new URL(started.body.url);
    expect(authorize.origin).toBe(op.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const back = await op.signIn(started.body.url, 'alice');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);

    const params = back.search.slice(1);
    const done = await call<SignedIn>(gw(1), 'POST', path('oauth/corp/callback'), {
      body: { flowToken: started.body.flowToken, params },
    });
    expect(done.status).toBe(200);
    expect(done.body.user).toMatchObject({
      email: 'alice@example.test',
      emailVerified: true,
      displayName: 'User alice',
    });

    const client = await TestClient.connect(wsUrl(gw(0).port), { token: done.body.session.accessToken });
    await client.joinAndSubscribe('chat:oauth');
    await client.ok({ type: 'presence', action: 'enter', room: 'chat:oauth', data: null });
    const { members } = (await client.ok({ type: 'presence.get', room: 'chat:oauth' })).result as {
      members: Array<{ user?: { name: string | null } }>;
    };
    expect(members[0]?.user?.name).toBe('User alice');
    expect((await client.ok({ type: 'publish', room: 'chat:oauth', event: 'm', data: 1 })).type).toBe('ack');
    await client.close();

    // The replayed callback: the provider refuses the used code.
    const replay = await call(gw(0), 'POST', path('oauth/corp/callback'), {
      body: { flowToken: started.body.flowToken, params },
    });
    expect([replay.status, replay.body.error?.code]).toEqual([401, 'oauth_code_rejected']);
    // A second sign-in finds the same user; the account has no password.
    const second = await start(1);
    const again = await op.signIn(second.body.url, 'alice');
    const user2 = await call<SignedIn>(gw(0), 'POST', path('oauth/corp/callback'), {
      body: { flowToken: second.body.flowToken, params: again.search.slice(1) },
    });
    expect(user2.body.user.id).toBe(done.body.user.id);
    expect((await signIn(gw(0), 'alice@example.test', 'any password at all')).body.error?.code).toBe(
      'invalid_credentials',
    );
  });

  it('refuses a wrong state, a foreign flow token and a redirect URI outside the allow list', async () => {
    const outside = await start(0, 'https://evil.example/callback');
    expect([outside.status, outside.body.error?.code]).toEqual([400, 'oauth_redirect_not_allowed']);
    const prefix = await start(0, `${REDIRECT}/more`);
    expect(prefix.body.error?.code).toBe('oauth_redirect_not_allowed');

    const started = await start(1);
    const back = await op.signIn(started.body.url, 'bob');
    const tampered = new URLSearchParams(back.search);
    tampered.set('state', 'not-the-state');
    const wrongState = await call(gw(0), 'POST', path('oauth/corp/callback'), {
      body: { flowToken: started.body.flowToken, params: tampered.toString() },
    });
    expect([wrongState.status, wrongState.body.error?.code]).toEqual([400, 'oauth_state_mismatch']);
    const forged = await call(gw(0), 'POST', path('oauth/corp/callback'), {
      body: { flowToken: 'v1.AAAA.BBBB.CCCC', params: back.search.slice(1) },
    });
    expect(forged.body.error?.code).toBe('action_token_invalid');
    const unknown = await call(gw(0), 'POST', path('oauth/nope/start'), { body: { redirectUri: REDIRECT } });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'not_found']);
    // The untampered callback still works: the refusals above did not use the code up.
    const ok = await call<SignedIn>(gw(1), 'POST', path('oauth/corp/callback'), {
      body: { flowToken: started.body.flowToken, params: back.search.slice(1) },
    });
    expect(ok.body.user?.email).toBe('bob@example.test');
  });
});
