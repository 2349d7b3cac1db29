import { PostgresUserStore } from '@relaybox/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrowserClient,
  createTestDatabase,
  type RunningControlPlane,
  startControlPlane,
} from '../../../../dashboard/test/api-harness.js';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway, TestClient, uniqueName, wsUrl } from '../harness.js';

// Live auth in cloud mode: an app's user pool configured through the REAL control plane
// (dashboard/api on a fresh PostgreSQL database) is served by two cloud-mode gateways (real Redis
// and RabbitMQ) that keep the app's users in PostgreSQL (RELAYBOX_AUTH_DATABASE_URL, here the
// control plane's own database).
const PASSWORD = 'correct horse battery staple';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let cp: RunningControlPlane;
let browser: BrowserClient;
const gateways: RunningGateway[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startControlPlane({ DATABASE_URL: db.url, AUTH_DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
  browser = new BrowserClient(cp.url);
  await browser.signup();
  const exchange = uniqueName('test.cloudauth');
  const redisPrefix = `${uniqueName('cloudauth')}:`;
  for (let i = 0; i < 2; i++) {
    gateways.push(
      await startTestGateway({
        broker: 'amqp',
        store: 'redis',
        exchange,
        redisPrefix,
        env: {
          RELAYBOX_KEY_SOURCE: 'cloud',
          RELAYBOX_CONTROL_PLANE_URL: cp.url,
          RELAYBOX_CONTROL_PLANE_TOKEN: cp.serviceToken,
          RELAYBOX_AUTH_SECRET: 'cloud-auth-test-secret-at-least-32-bytes-long',
          RELAYBOX_AUTH_DATABASE_URL: db.url,
        },
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(gateways.map((g) => g.shutdown()));
  await cp?.close();
  await db?.drop();
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are read loosely; a wrong shape fails the assertion
  body: any;
}

async function call(gw: RunningGateway, path: string, body: unknown, bearer?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** Retries `attempt` until `done` (bounded): settings reach the gateways through the pushed `app-updated`. */
async function eventually(attempt: () => Promise<Answer>, done: (a: Answer) => boolean): Promise<Answer> {
  let last = await attempt();
  for (let i = 0; i < 50 && !done(last); i++) {
    await new Promise((r) => setTimeout(r, 100));
    last = await attempt();
  }
  return last;
}

const uniqueEmail = () => `${uniqueName('u').replace(/[^a-z0-9]/gi, '')}@example.com`;

async function newApp(): Promise<string> {
  const created = await browser.post('/api/apps', { name: uniqueName('app') });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function patchAuth(appId: string, settings: Record<string, unknown>): Promise<void> {
  const reply = await browser.patch(`/api/apps/${appId}/auth`, settings);
  expect(reply.status, reply.text).toBe(200);
}

describe('cloud-mode gateways run the auth service for apps that enabled it in the control plane', () => {
  it('signs up on one gateway, signs in on the other (users in PostgreSQL), connects with the access token', async () => {
    const appId = await newApp();
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const email = uniqueEmail();
    const before = await call(a, `/v1/auth/${appId}/signup`, { email, password: PASSWORD });
    expect([before.status, before.body.error?.code]).toEqual([404, 'auth_not_enabled']);

    await patchAuth(appId, {
      enabled: true,
      userPermissions: { 'chat:>': ['subscribe', 'publish', 'presence'] },
    });
    const up = await eventually(
      () => call(a, `/v1/auth/${appId}/signup`, { email, password: PASSWORD, displayName: 'Ada' }),
      (r) => r.status !== 404,
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const signedIn = await call(b, `/v1/auth/${appId}/signin`, { email, password: PASSWORD });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(up.body.user.id);

    const users = new PostgresUserStore({ connectionString: db.url });
    try {
      expect((await users.findUserByEmail(appId, email))?.id).toBe(up.body.user.id);
      expect((await users.listUsers(appId, { limit: 10 })).items).toHaveLength(1);
    } finally {
      await users.close();
    }

    const client = await TestClient.connect(wsUrl(b), { token: signedIn.body.session.accessToken });
    clients.push(client);
    expect(client.connected).toMatchObject({ clientId: up.body.user.id });
    await client.ok({ type: 'join', room: 'chat:lobby' });
    await client.ok({ type: 'publish', room: 'chat:lobby', event: 'message', data: 'hi' });
    // The app's per-user policy bounds what the user may do.
    expect(await client.request({ type: 'join', room: 'admin:panel' })).toMatchObject({
      type: 'error',
      error: { code: 'permission_denied' },
    });

    // Another app's pool is another pool: the same email is unknown there.
    const other = await newApp();
    await patchAuth(other, { enabled: true });
    const elsewhere = await eventually(
      () => call(a, `/v1/auth/${other}/signin`, { email, password: PASSWORD }),
      (r) => r.status !== 404,
    );
    expect(elsewhere.body.error?.code).toBe('invalid_credentials');
  });

  it('applies the providers and the redirect allow list: GitHub sign-in starts only towards a listed page', async () => {
    const appId = await newApp();
    await patchAuth(appId, { enabled: true, redirectUris: ['https://shop.example/callback'] });
    const created = await browser.post(`/api/apps/${appId}/auth/providers`, {
      id: 'github',
      kind: 'github',
      clientId: 'gh-client-id',
      clientSecret: 'gh-client-secret-0123456789',
    });
    expect(created.status).toBe(201);
    const gw = gateways[0] as RunningGateway;
    const started = await eventually(
      () =>
        call(gw, `/v1/auth/${appId}/oauth/github/start`, { redirectUri: 'https://shop.example/callback' }),
      (r) => r.status === 200,
    );
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const url = new URL(started.body.url);
    expect(url.origin).toBe('https://github.com');
    expect(url.searchParams.get('client_id')).toBe('gh-client-id');
    expect(url.searchParams.get('redirect_uri')).toBe('https://shop.example/callback');
    expect(started.body.url).not.toContain('gh-client-secret');
    const elsewhere = await call(gw, `/v1/auth/${appId}/oauth/github/start`, {
      redirectUri: 'https://evil.example/callback',
    });
    expect([elsewhere.status, elsewhere.body.error?.code]).toEqual([400, 'oauth_redirect_not_allowed']);
    const unknown = await call(gw, `/v1/auth/${appId}/oauth/google/start`, {
      redirectUri: 'https://shop.example/callback',
    });
    expect(unknown.status).toBe(404);
  });

  it('applies the MFA policy: off refuses enrolment, required asks every new user to enrol', async () => {
    const appId = await newApp();
    const gw = gateways[1] as RunningGateway;
    await patchAuth(appId, { enabled: true, mfa: 'off' });
    const up = await eventually(
      () => call(gw, `/v1/auth/${appId}/signup`, { email: uniqueEmail(), password: PASSWORD }),
      (r) => r.status !== 404,
    );
    expect(up.status).toBe(201);
    const enroll = await call(gw, `/v1/auth/${appId}/mfa/totp/enroll`, {}, up.body.session.accessToken);
    expect([enroll.status, enroll.body.error?.code]).toEqual([403, 'permission_denied']);

    await patchAuth(appId, { mfa: 'required' });
    const required = await eventually(
      () => call(gw, `/v1/auth/${appId}/signup`, { email: uniqueEmail(), password: PASSWORD }),
      (r) => r.body.mfaEnrollmentRequired === true,
    );
    expect(required.body).toMatchObject({ mfaEnrollmentRequired: true });
    expect(required.body.session).toBeUndefined();
  });

  it('applies requireEmailVerification: sign-up waits for the link, sign-in of an unverified user is refused', async () => {
    const appId = await newApp();
    const gw = gateways[1] as RunningGateway;
    await patchAuth(appId, {
      enabled: true,
      requireEmailVerification: true,
      emailLinks: { verifyUrl: 'https://shop.example/verify' },
    });
    const email = uniqueEmail();
    const up = await eventually(
      () => call(gw, `/v1/auth/${appId}/signup`, { email, password: PASSWORD }),
      (r) => r.status !== 404,
    );
    expect(up.body, JSON.stringify(up.body)).toEqual({ verificationRequired: true });
    const signIn = await call(gateways[0] as RunningGateway, `/v1/auth/${appId}/signin`, {
      email,
      password: PASSWORD,
    });
    expect([signIn.status, signIn.body.error?.code]).toEqual([403, 'email_not_verified']);
  });

  it('turning the pool off answers auth_not_enabled again', async () => {
    const appId = await newApp();
    const gw = gateways[0] as RunningGateway;
    await patchAuth(appId, { enabled: true });
    const email = uniqueEmail();
    const up = await eventually(
      () => call(gw, `/v1/auth/${appId}/signup`, { email, password: PASSWORD }),
      (r) => r.status !== 404,
    );
    expect(up.status).toBe(201);
    await patchAuth(appId, { enabled: false });
    const off = await eventually(
      () => call(gw, `/v1/auth/${appId}/signin`, { email, password: PASSWORD }),
      (r) => r.status === 404,
    );
    expect(off.body.error?.code).toBe('auth_not_enabled');
  });

  it('lists the users in the dashboard API (paginated, bounded); revoking and disabling close their connections on both gateways', async () => {
    const appId = await newApp();
    await patchAuth(appId, { enabled: true });
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const signUp = (email: string) =>
      eventually(
        () => call(a, `/v1/auth/${appId}/signup`, { email, password: PASSWORD }),
        (r) => r.status !== 404,
      );
    const ada = await signUp(uniqueEmail());
    const bob = await signUp(uniqueEmail());
    expect([ada.status, bob.status]).toEqual([201, 201]);

    const first = await browser.get(`/api/apps/${appId}/auth/users?limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([ada.body.user.id]);
    expect(first.body.items[0]).toMatchObject({ disabled: false, email: ada.body.user.email });
    expect(JSON.stringify(first.body)).not.toMatch(/passwordHash|argon2/);
    const second = await browser.get(`/api/apps/${appId}/auth/users?limit=1&cursor=${first.body.next}`);
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([bob.body.user.id]);
    expect(second.body.next).toBeNull();
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=-1', 'other=1']) {
      const bad = await browser.get(`/api/apps/${appId}/auth/users?${query}`);
      expect([bad.status, bad.body.error.code], query).toEqual([400, 'invalid_request']);
    }
    const stranger = new BrowserClient(cp.url);
    await stranger.signup();
    expect((await stranger.get(`/api/apps/${appId}/auth/users`)).body.error.code).toBe('not_found');
    expect((await browser.post(`/api/apps/${appId}/auth/users/usr_nope/revoke`)).body.error.code).toBe(
      'not_found',
    );

    // Ada on both gateways, Bob on one: revoking Ada closes hers only, on both.
    const connect = async (gw: RunningGateway, token: string) => {
      const client = await TestClient.connect(wsUrl(gw), { token });
      clients.push(client);
      return client;
    };
    const adaA = await connect(a, ada.body.session.accessToken);
    const adaB = await connect(b, ada.body.session.accessToken);
    const bobB = await connect(b, bob.body.session.accessToken);
    const revoke = await browser.post(`/api/apps/${appId}/auth/users/${ada.body.user.id}/revoke`);
    expect(revoke.status).toBe(200);
    expect(revoke.body.revoked).toBe(1);
    for (const closed of await Promise.all([adaA, adaB].map((c) => within5s(c.closed)))) {
      expect(closed).toMatchObject({ code: 4100, reason: 'user session revoked' });
    }
    await bobB.ok({ type: 'join', room: 'still:here' });
    const refresh = await call(a, `/v1/auth/${appId}/refresh`, {
      refreshToken: ada.body.session.refreshToken,
    });
    expect(refresh.body.error?.code).toBe('session_revoked');

    // Disabling Bob closes his connection and refuses his sign-in.
    const disabled = await browser.patch(`/api/apps/${appId}/auth/users/${bob.body.user.id}`, {
      disabled: true,
    });
    expect(disabled.body.user).toMatchObject({ id: bob.body.user.id, disabled: true });
    expect(await within5s(bobB.closed)).toMatchObject({ code: 4100 });
    const signIn = await call(b, `/v1/auth/${appId}/signin`, {
      email: bob.body.user.email,
      password: PASSWORD,
    });
    expect(signIn.body.error?.code).toBe('user_disabled');
    const badPatch = await browser.patch(`/api/apps/${appId}/auth/users/${bob.body.user.id}`, {
      disabled: 'yes',
    });
    expect(badPatch.body.error.code).toBe('invalid_request');
  });
});

function within5s<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('not within 5 s')), 5000)),
  ]);
}
