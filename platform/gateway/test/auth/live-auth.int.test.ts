import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  AUTH_APP,
  type AuthCluster,
  call,
  OTHER_APP_KEY,
  PER_ACCOUNT,
  refresh,
  signIn,
  signUp,
  startAuthCluster,
  traces,
  tracesUntil,
  uniqueEmail,
} from './live-auth-cluster.js';

const PASSWORD = 'correct horse battery staple';

let cluster: AuthCluster;
beforeAll(async () => {
  cluster = await startAuthCluster(2);
}, 90_000);
afterAll(() => cluster?.stop());

const gw = (i: number) => cluster.gateways[i % cluster.gateways.length]!;

describe('live auth over two gateway processes (real Redis and RabbitMQ)', () => {
  it('signs up, signs in on the other gateway, reads the user, and answers CORS', async () => {
    const email = uniqueEmail();
    const up = await signUp(gw(0), email.toUpperCase(), PASSWORD, 'Ada');
    expect(up.status).toBe(201);
    expect(up.body.user).toMatchObject({ email, displayName: 'Ada', emailVerified: false });
    expect(up.headers.get('cache-control')).toBe('no-store');
    expect(up.headers.get('access-control-allow-origin')).toBe('*');
    expect((await signUp(gw(1), email, PASSWORD)).body.error?.code).toBe('signup_failed');

    const inn = await signIn(gw(1), ` ${email} `, PASSWORD);
    expect(inn.status).toBe(200);
    expect(inn.body.user.id).toBe(up.body.user.id);
    const me = await call(gw(0), 'GET', `/v1/auth/${AUTH_APP}/user`, {
      bearer: inn.body.session.accessToken,
    });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: up.body.user.id, email });
    const patched = await call(gw(1), 'PATCH', `/v1/auth/${AUTH_APP}/user`, {
      bearer: inn.body.session.accessToken,
      body: { displayName: 'Ada L.' },
    });
    expect(patched.body.user).toMatchObject({ displayName: 'Ada L.' });

    const preflight = await fetch(`${gw(0).url}/v1/auth/${AUTH_APP}/signin`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('refuses bad input with codes, and apps without a user pool', async () => {
    const short = await signUp(gw(0), uniqueEmail(), 'short');
    expect([short.status, short.body.error?.code]).toEqual([400, 'invalid_request']);
    const noEmail = await signUp(gw(0), 'not-an-email', PASSWORD);
    expect(noEmail.body.error?.code).toBe('invalid_request');
    const long = await signUp(gw(0), uniqueEmail(), 'x'.repeat(257));
    expect(long.body.error?.code).toBe('invalid_request');
    const notJson = await fetch(`${gw(0).url}/v1/auth/${AUTH_APP}/signin`, { method: 'POST', body: '{' });
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    const big = await call(gw(0), 'POST', `/v1/auth/${AUTH_APP}/signin`, {
      body: { email: 'x'.repeat(20_000) },
    });
    expect(big.status).toBe(413);
    const beta = await call(gw(0), 'POST', '/v1/auth/beta/signin', {
      body: { email: uniqueEmail(), password: PASSWORD },
    });
    expect([beta.status, beta.body.error?.code]).toEqual([404, 'auth_not_enabled']);
    const bad = await call(gw(0), 'POST', '/v1/auth/bad$app/signin', { body: {} });
    expect(bad.body.error?.code).toBe('invalid_request');
    expect((await refresh(gw(0), 'garbage')).body.error?.code).toBe('refresh_token_invalid');
    const noToken = await call(gw(0), 'GET', `/v1/auth/${AUTH_APP}/user`);
    expect([noToken.status, noToken.body.error?.code]).toEqual([401, 'token_missing']);
  });

  it('rotates refresh tokens; a reused one revokes the whole family', async () => {
    const email = uniqueEmail();
    const first = (await signUp(gw(0), email, PASSWORD)).body.session;
    const second = await refresh(gw(1), first.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.session.sessionId).toBe(first.sessionId);
    expect(second.body.session.refreshToken).not.toBe(first.refreshToken);
    const third = await refresh(gw(0), second.body.session.refreshToken);
    expect(third.status).toBe(200);

    // The first token again: reuse. The family is revoked, the newest token with it.
    const reused = await refresh(gw(1), first.refreshToken);
    expect([reused.status, reused.body.error?.code]).toEqual([401, 'refresh_token_reused']);
    const after = await refresh(gw(0), third.body.session.refreshToken);
    expect(after.body.error?.code).toBe('session_revoked');
    const me = await call(gw(0), 'GET', `/v1/auth/${AUTH_APP}/user`, {
      bearer: third.body.session.accessToken,
    });
    expect(me.body.error?.code).toBe('session_revoked');
    // Another sign-in is a new family, unaffected.
    expect((await signIn(gw(1), email, PASSWORD)).status).toBe(200);
    const reusedEvent = (e: { type: string; detail?: Record<string, unknown> }) =>
      e.type === 'auth.refresh.reused' && e.detail?.sessionId === first.sessionId;
    expect((await tracesUntil(gw(0), (all) => all.some(reusedEvent))).some(reusedEvent)).toBe(true);
  });

  it('signs out one session, or every session', async () => {
    const email = uniqueEmail();
    const a = (await signUp(gw(0), email, PASSWORD)).body.session;
    const b = (await signIn(gw(1), email, PASSWORD)).body.session;
    const c = (await signIn(gw(0), email, PASSWORD)).body.session;
    const out = await call(gw(1), 'POST', `/v1/auth/${AUTH_APP}/signout`, { bearer: a.accessToken });
    expect(out.status).toBe(204);
    expect((await refresh(gw(0), a.refreshToken)).body.error?.code).toBe('session_revoked');
    expect((await refresh(gw(0), b.refreshToken)).status).toBe(200);

    const everywhere = await call(gw(0), 'POST', `/v1/auth/${AUTH_APP}/signout-everywhere`, {
      bearer: c.accessToken,
    });
    expect(everywhere.status).toBe(204);
    expect((await refresh(gw(1), c.refreshToken)).body.error?.code).toBe('session_revoked');
    expect((await refresh(gw(1), b.refreshToken)).body.error?.code).toBe('session_revoked');
    const me = await call(gw(1), 'GET', `/v1/auth/${AUTH_APP}/user`, { bearer: c.accessToken });
    expect(me.body.error?.code).toBe('session_revoked');
  });

  it('30 parallel wrong sign-ins on two gateways check at most the limit of passwords', async () => {
    const email = uniqueEmail();
    await signUp(gw(0), email, PASSWORD);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(gw(i), email, `wrong password ${i}`)),
    );
    const codes = answers.map((a) => a.body.error?.code);
    // Each password check answers invalid_credentials; every other attempt was refused before it.
    expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(PER_ACCOUNT);
    expect(codes.filter((c) => c === 'auth_rate_limited')).toHaveLength(30 - PER_ACCOUNT);
    expect(answers.find((a) => a.body.error?.code === 'auth_rate_limited')?.status).toBe(429);
    // The account stays locked for the window, even with the right password.
    expect((await signIn(gw(1), email, PASSWORD)).body.error?.code).toBe('auth_rate_limited');
    const user = (
      await call<{ items: Array<{ id: string; email: string }> }>(
        gw(0),
        'GET',
        `/v1/auth/${AUTH_APP}/admin/users?limit=100`,
        { bearer: API_KEY },
      )
    ).body.items.find((u) => u.email === email);
    const isCheck = (e: { type: string; clientId?: string; detail?: Record<string, unknown> }) =>
      e.type === 'auth.signin.failed' &&
      e.clientId === user?.id &&
      e.detail?.reason === 'invalid_credentials';
    await tracesUntil(gw(0), (all) => all.filter(isCheck).length >= PER_ACCOUNT);
    // Wait past the flush period: a late event would show more checks than the limit.
    await new Promise((r) => setTimeout(r, 300));
    expect((await traces(gw(0))).filter(isCheck)).toHaveLength(PER_ACCOUNT);
  });

  it('answers an unknown email exactly as a wrong password', async () => {
    const email = uniqueEmail();
    await signUp(gw(0), email, PASSWORD);
    const wrong = await signIn(gw(1), email, 'not the password');
    const unknown = await signIn(gw(1), uniqueEmail(), 'not the password');
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body).toEqual({
      error: { code: 'invalid_credentials', message: 'wrong email or password' },
    });
    // Unknown emails are limited the same way (the account bucket is keyed by the email).
    const ghost = uniqueEmail();
    const burst = await Promise.all(Array.from({ length: 8 }, () => signIn(gw(0), ghost, 'x')));
    expect(burst.filter((a) => a.body.error?.code === 'auth_rate_limited')).toHaveLength(8 - PER_ACCOUNT);
  });

  it('administers users with an API key of the app only', async () => {
    const email = uniqueEmail();
    const up = (await signUp(gw(0), email, PASSWORD)).body;
    const path = `/v1/auth/${AUTH_APP}/admin/users/${up.user.id}`;
    expect((await call(gw(1), 'GET', path, { bearer: up.session.accessToken })).body.error?.code).toBe(
      'permission_denied',
    );
    expect((await call(gw(1), 'GET', path, { bearer: OTHER_APP_KEY })).body.error?.code).toBe(
      'permission_denied',
    );
    const read = await call<{ user: { id: string }; sessions: unknown[] }>(gw(1), 'GET', path, {
      bearer: API_KEY,
    });
    expect(read.body.user.id).toBe(up.user.id);
    expect(read.body.sessions).toHaveLength(1);
    const disabled = await call(gw(0), 'PATCH', path, { bearer: API_KEY, body: { disabled: true } });
    expect(disabled.body.user).toMatchObject({ disabled: true });
    expect((await signIn(gw(1), email, PASSWORD)).body.error?.code).toBe('user_disabled');
    expect((await refresh(gw(1), up.session.refreshToken)).body.error?.code).toBe('session_revoked');
    const missing = await call(gw(0), 'GET', `/v1/auth/${AUTH_APP}/admin/users/nobody`, { bearer: API_KEY });
    expect(missing.body.error?.code).toBe('not_found');
    const page = await call<{ items: unknown[]; next: string | null }>(
      gw(0),
      'GET',
      `/v1/auth/${AUTH_APP}/admin/users?limit=1`,
      { bearer: API_KEY },
    );
    expect(page.body.items).toHaveLength(1);
    expect(page.body.next).not.toBeNull();
    const badLimit = await call(gw(0), 'GET', `/v1/auth/${AUTH_APP}/admin/users?limit=1000`, {
      bearer: API_KEY,
    });
    expect(badLimit.body.error?.code).toBe('invalid_request');
  });

  it('writes no password, refresh token or access token to any log line or trace', async () => {
    const email = uniqueEmail();
    const secretPassword = 'never-log-this-password-9431';
    const up = (await signUp(gw(0), email, secretPassword)).body.session;
    await signIn(gw(1), email, 'never-log-this-wrong-password');
    await refresh(gw(1), up.refreshToken);
    await refresh(gw(0), up.refreshToken); // reuse
    const everything =
      cluster.gateways.map((g) => g.output()).join('\n') + JSON.stringify(await traces(gw(0)));
    for (const secret of [secretPassword, 'never-log-this-wrong-password', up.refreshToken, up.accessToken]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain(up.refreshToken.split('.')[3]);
    expect(everything).not.toContain(email);
  });
});
