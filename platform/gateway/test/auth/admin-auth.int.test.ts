import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminAuthApp, AdminAuthSession, AdminAuthUser, AdminDevMail } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway, TestClient, wsUrl } from '../harness.js';

// `/v1/admin/auth/...`: the console's view of the user pools with the admin token, on a real
// embedded gateway (memory store, memory broker), against the real auth service.

const ADMIN = 'admin-auth-test-token-0123456789abcdef';
let gw: RunningGateway;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rb-admin-auth-')), 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'one',
          keys: [{ id: 'k', secret: 'one-secret-0000000001' }],
          auth: { emailLinks: { verifyUrl: 'https://one.example/verify' } },
        },
        { id: 'plain', keys: [{ id: 'k', secret: 'plain-secret-00000001' }] },
      ],
    }),
  );
  gw = await startTestGateway({ env: { RELAYBOX_CONFIG: file, RELAYBOX_ADMIN_TOKEN: ADMIN } });
});
afterAll(async () => {
  await gw?.shutdown();
});

async function call<T>(method: string, path: string, body?: unknown, token = ADMIN) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (res.status === 204 ? {} : await res.json()) as T & Failure };
}
interface Failure {
  error: { code: string };
}
interface Session {
  user: { id: string };
  session: { accessToken: string; refreshToken: string; sessionId: string };
}
const signUp = (email: string) =>
  call<Session>('POST', '/v1/auth/one/signup', { email, password: 'a long password' }, '');

describe('admin auth routes', () => {
  it('lists only the apps with a user pool; refuses a missing token', async () => {
    const apps = await call<{ items: AdminAuthApp[] }>('GET', '/v1/admin/auth/apps');
    expect(apps.body.items).toEqual([{ appId: 'one', devMailbox: true, mfaRequired: false }]);
    expect((await call('GET', '/v1/admin/auth/apps', undefined, 'wrong')).status).toBe(401);
    const plain = await call('GET', '/v1/admin/auth/users?appId=plain');
    expect(plain.body.error.code).toBe('auth_not_enabled');
    expect((await call('GET', '/v1/admin/auth/users?appId=one&limit=0')).body.error.code).toBe(
      'invalid_request',
    );
  });

  it('shows users and sessions; a session revoke closes its connection; disable refuses sign-in', async () => {
    const email = `ada-${Date.now()}@example.com`;
    const up = await signUp(email);
    expect(up.status).toBe(201);
    const userId = up.body.user.id;
    const users = await call<{ items: AdminAuthUser[] }>('GET', '/v1/admin/auth/users?appId=one');
    const listed = users.body.items.find((u) => u.id === userId);
    expect(listed).toMatchObject({ email, emailVerified: false, mfaEnabled: false, disabled: false });
    expect(listed?.lastSignInAt).toBeGreaterThanOrEqual(listed?.createdAt ?? Infinity);

    const client = await TestClient.connect(wsUrl(gw), { token: up.body.session.accessToken });
    const revoked = await call<{ revoked: boolean }>(
      'POST',
      `/v1/admin/auth/sessions/${up.body.session.sessionId}/revoke`,
      { appId: 'one' },
    );
    expect(revoked).toMatchObject({ status: 200, body: { revoked: true } });
    expect((await client.closed).code).toBe(4100);
    const detail = await call<{ sessions: AdminAuthSession[] }>(
      'GET',
      `/v1/admin/auth/users/${userId}?appId=one`,
    );
    expect(detail.body.sessions).toEqual([
      expect.objectContaining({ id: up.body.session.sessionId, revoked: true }),
    ]);

    const off = await call<{ user: AdminAuthUser }>('POST', `/v1/admin/auth/users/${userId}`, {
      appId: 'one',
      disabled: true,
    });
    expect(off.body.user.disabled).toBe(true);
    const refused = await call('POST', '/v1/auth/one/signin', { email, password: 'a long password' }, '');
    expect(refused.body.error.code).toBe('user_disabled');
    await call('POST', `/v1/admin/auth/users/${userId}`, { appId: 'one', disabled: false });
    const back = await call<Session>(
      'POST',
      '/v1/auth/one/signin',
      { email, password: 'a long password' },
      '',
    );
    expect(back.status).toBe(200);
    const again = await TestClient.connect(wsUrl(gw), { token: back.body.session.accessToken });
    const all = await call('POST', `/v1/admin/auth/users/${userId}/revoke`, { appId: 'one' });
    expect(all.status).toBe(200);
    expect((await again.closed).code).toBe(4100);
    const refresh = await call(
      'POST',
      '/v1/auth/one/refresh',
      { refreshToken: back.body.session.refreshToken },
      '',
    );
    expect(refresh.body.error.code).toBe('session_revoked');
    const unknown = await call('POST', `/v1/admin/auth/users/${userId}`, { appId: 'one', email: 'x@y.z' });
    expect(unknown.body.error.code).toBe('invalid_request');
    expect((await call('GET', '/v1/admin/auth/users/nobody?appId=one')).status).toBe(404);
  });

  it('shows the dev mailbox: a verification mail with its link', async () => {
    const email = `mail-${Date.now()}@example.com`;
    const up = await signUp(email);
    await call('POST', '/v1/auth/one/verify-email/request', {}, up.body.session.accessToken);
    let mail: AdminDevMail | undefined;
    for (let i = 0; i < 100 && !mail; i++) {
      const box = await call<{ items: AdminDevMail[] }>('GET', '/v1/admin/auth/dev-mailbox?appId=one');
      mail = box.body.items.find((m) => m.to === email);
      if (!mail) await new Promise((r) => setTimeout(r, 20));
    }
    expect(mail?.links[0]).toMatch(/^https:\/\/one\.example\/verify#token=/);
    expect(mail?.subject).toBeTruthy();
  });
});
