import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedUpgrade, TestClient, wsUrl } from '../harness.js';
import {
  API_KEY,
  AUTH_APP,
  type AuthCluster,
  call,
  refresh,
  signIn,
  signUp,
  startAuthCluster,
  tracesUntil,
  uniqueEmail,
} from './live-auth-cluster.js';

const PASSWORD = 'correct horse battery staple';

let cluster: AuthCluster;
const open: TestClient[] = [];
beforeAll(async () => {
  cluster = await startAuthCluster(2);
}, 90_000);
afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => {})));
  await cluster?.stop();
});

const gw = (i: number) => cluster.gateways[i]!;
const connect = async (i: number, token: string) => {
  const client = await TestClient.connect(wsUrl(gw(i).port), { token });
  open.push(client);
  return client;
};

describe("a signed-in user's connections", () => {
  it('connect with the access token, join, publish, and show the vouched user in presence', async () => {
    const { user, session } = (await signUp(gw(0), uniqueEmail(), PASSWORD, 'Grace')).body;
    const room = `chat:${Math.random().toString(36).slice(2)}`;
    const client = await connect(1, session.accessToken);
    expect(client.connected.clientId).toBe(user.id);
    await client.joinAndSubscribe(room);
    const ack = await client.ok({ type: 'publish', room, event: 'message', data: 'hi' });
    expect(ack.result).toMatchObject({ seq: 1 });
    // The app's per-user policy: chat rooms only.
    expect((await client.request({ type: 'join', room: 'admin:x' })).type).toBe('error');

    // A forged identity in the presence data stays data; the member's user is the token's.
    await client.ok({
      type: 'presence',
      action: 'enter',
      room,
      data: { user: { id: 'someone-else', name: 'Mallory' } },
    });
    const watcher = await TestClient.connect(wsUrl(gw(0).port), { apiKey: API_KEY, clientId: 'watcher' });
    open.push(watcher);
    await watcher.ok({ type: 'join', room });
    const members = (await watcher.ok({ type: 'presence.get', room })).result as { members: unknown[] };
    expect(members.members).toEqual([
      expect.objectContaining({
        clientId: user.id,
        user: { id: user.id, name: 'Grace', avatar: null },
        data: { user: { id: 'someone-else', name: 'Mallory' } },
      }),
    ]);
  });

  it('refuses forged user tokens; API-key clients get no vouched user', async () => {
    const { user } = (await signUp(gw(0), uniqueEmail(), PASSWORD)).body;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      sid: 'x'.repeat(24),
      permissions: { '*': ['publish'] },
      user: { id: user.id },
    })
      .setProtectedHeader({ alg: 'HS256', kid: `${AUTH_APP}.$auth` })
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('alpha-full-secret-001'));
    const refused = await refusedUpgrade(wsUrl(gw(0).port), { token: forged });
    expect([refused.status, refused.body.error.code]).toEqual([401, 'token_signature_invalid']);

    // A developer-minted token (API key) cannot vouch for a user either: its member has no `user`.
    const room = `chat:${Math.random().toString(36).slice(2)}`;
    const keyClient = await TestClient.connect(wsUrl(gw(1).port), { apiKey: API_KEY, clientId: user.id });
    open.push(keyClient);
    await keyClient.ok({ type: 'join', room });
    await keyClient.ok({ type: 'presence', action: 'enter', room, data: null });
    const { members } = (await keyClient.ok({ type: 'presence.get', room })).result as { members: object[] };
    expect(members[0]).not.toHaveProperty('user');
  });

  it('revoking a user closes its connections on both gateways within 5 s and refuses its refresh', async () => {
    const email = uniqueEmail();
    const up = (await signUp(gw(0), email, PASSWORD)).body;
    const other = (await signIn(gw(1), email, PASSWORD)).body;
    const bystander = (await signUp(gw(0), uniqueEmail(), PASSWORD)).body;
    const clients = await Promise.all([
      connect(0, up.session.accessToken),
      connect(1, up.session.accessToken),
      connect(0, other.session.accessToken),
      connect(1, other.session.accessToken),
    ]);
    const untouched = await connect(1, bystander.session.accessToken);
    const started = Date.now();
    const revoked = await call(gw(0), 'POST', `/v1/auth/${AUTH_APP}/admin/users/${up.user.id}/revoke`, {
      bearer: API_KEY,
    });
    expect(revoked.body).toEqual({ revoked: 2 });
    const closes = await Promise.all(
      clients.map((c) =>
        Promise.race([
          c.closed,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('not closed within 5 s')), 5000),
          ),
        ]),
      ),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(5000);
    console.log(`admin revoke: 4 connections on 2 gateway processes closed ${elapsed} ms after the request`);
    for (const close of closes) expect(close).toEqual({ code: 4100, reason: 'user session revoked' });
    for (const s of [up.session, other.session]) {
      expect((await refresh(gw(1), s.refreshToken)).body.error?.code).toBe('session_revoked');
      const again = await refusedUpgrade(wsUrl(gw(1).port), { token: s.accessToken });
      expect(again.body.error.code).toBe('session_revoked');
    }
    expect((await untouched.ok({ type: 'ping' })).type).toBe('ack');
    const revokedEvent = (e: { type: string; clientId?: string }) =>
      e.type === 'auth.revoked' && e.clientId === up.user.id;
    expect((await tracesUntil(gw(1), (all) => all.some(revokedEvent))).some(revokedEvent)).toBe(true);
  });

  it('signing out closes the connections of that session only, on every gateway', async () => {
    const email = uniqueEmail();
    const a = (await signUp(gw(0), email, PASSWORD)).body.session;
    const b = (await signIn(gw(0), email, PASSWORD)).body.session;
    const ofA = await Promise.all([connect(0, a.accessToken), connect(1, a.accessToken)]);
    const ofB = await connect(1, b.accessToken);
    await call(gw(1), 'POST', `/v1/auth/${AUTH_APP}/signout`, { bearer: a.accessToken });
    for (const c of ofA) expect((await c.closed).code).toBe(4100);
    expect((await ofB.ok({ type: 'ping' })).type).toBe('ack');
  });

  it('a reused refresh token closes the connections of its family', async () => {
    const first = (await signUp(gw(0), uniqueEmail(), PASSWORD)).body.session;
    const client = await connect(1, first.accessToken);
    const next = (await refresh(gw(0), first.refreshToken)).body.session;
    // The connection refreshes its token in-band to the rotated session's new access token.
    expect((await client.ok({ type: 'refresh', token: next.accessToken })).type).toBe('ack');
    expect((await refresh(gw(0), first.refreshToken)).body.error?.code).toBe('refresh_token_reused');
    expect((await client.closed).code).toBe(4100);
  });
});
