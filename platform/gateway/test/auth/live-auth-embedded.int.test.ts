import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway, TestClient, wsUrl } from '../harness.js';

const gateways: RunningGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.shutdown()));
});

interface Body {
  user: { id: string };
  session: { accessToken: string; refreshToken: string };
  error: { code: string };
}

const post = async (gw: RunningGateway, path: string, body: unknown, bearer?: string) => {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = res.status === 204 ? {} : await res.json();
  return { status: res.status, body: answer as Body };
};

describe('live auth in the embedded engine (memory store and broker)', () => {
  it('the dev app has a user pool from the first start; sign-out closes the session connection', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-auth-embedded-'));
    const gw = await startTestGateway({
      env: {
        RELAYBOX_CONFIG: '',
        RELAYBOX_DATA_DIR: dataDir,
        RELAYBOX_DEV_API_KEY: 'dev.default:embedded-dev-key-0001',
      },
    });
    gateways.push(gw);
    // The generated auth secret is kept in the data dir (a restart keeps tokens valid).
    expect(readFileSync(join(dataDir, 'auth-secret'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    const up = await post(gw, '/v1/auth/dev/signup', {
      email: 'ada@example.com',
      password: 'a long password',
    });
    expect(up.status).toBe(201);
    const client = await TestClient.connect(wsUrl(gw), { token: up.body.session.accessToken });
    await client.joinAndSubscribe('room:1');
    await client.ok({ type: 'presence', action: 'enter', room: 'room:1', data: null });
    const { members } = (await client.ok({ type: 'presence.get', room: 'room:1' })).result as {
      members: Array<{ user?: unknown }>;
    };
    expect(members[0]?.user).toEqual({ id: up.body.user.id, name: null, avatar: null });
    // The dev app's user policy has no `metrics`.
    expect((await client.request({ type: 'metrics.subscribe', room: 'room:1' })).type).toBe('error');
    expect((await post(gw, '/v1/auth/dev/signout', {}, up.body.session.accessToken)).status).toBe(204);
    expect((await client.closed).code).toBe(4100);
    const again = await post(gw, '/v1/auth/dev/refresh', { refreshToken: up.body.session.refreshToken });
    expect(again.body.error.code).toBe('session_revoked');
  });

  it('keeps users and sessions in the data dir: a restart with the same data dir still knows them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rb-auth-embedded-'));
    const env = {
      RELAYBOX_CONFIG: '',
      RELAYBOX_DATA_DIR: dataDir,
      RELAYBOX_DEV_API_KEY: 'dev.default:embedded-dev-key-0001',
    };
    const credentials = { email: 'lin@example.com', password: 'a long password' };
    const first = await startTestGateway({ env });
    const up = await post(first, '/v1/auth/dev/signup', credentials);
    expect(up.status).toBe(201);
    await first.shutdown();
    expect(statSync(join(dataDir, 'auth-users.json')).mode & 0o777).toBe(0o600);

    const second = await startTestGateway({ env });
    gateways.push(second);
    // The same user: its email is taken, its password signs in, its refresh token still rotates.
    expect((await post(second, '/v1/auth/dev/signup', credentials)).body.error.code).toBe('signup_failed');
    const signedIn = await post(second, '/v1/auth/dev/signin', credentials);
    expect([signedIn.status, signedIn.body.user.id]).toEqual([200, up.body.user.id]);
    const refreshed = await post(second, '/v1/auth/dev/refresh', {
      refreshToken: up.body.session.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    // And the access token issued before the restart opens a connection.
    const client = await TestClient.connect(wsUrl(second), { token: up.body.session.accessToken });
    await client.joinAndSubscribe('room:1');
    await client.close();
  });

  it('apps of an apps file have no user pool unless they configure one', async () => {
    const gw = await startTestGateway();
    gateways.push(gw);
    const res = await post(gw, '/v1/auth/alpha/signin', { email: 'a@example.com', password: 'whatever1' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('keeps mails in a per-app dev inbox when no SMTP server is configured', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rb-auth-embedded-')), 'apps.json');
    const app = (id: string) => ({
      id,
      keys: [{ id: 'k', secret: `${id}-secret-0000000001` }],
      auth: { emailLinks: { resetUrl: `https://${id}.example/reset` } },
    });
    writeFileSync(file, JSON.stringify({ apps: [app('one'), app('two')] }));
    const gw = await startTestGateway({ env: { RELAYBOX_CONFIG: file } });
    gateways.push(gw);
    await post(gw, '/v1/auth/one/signup', { email: 'ada@example.com', password: 'a long password' });
    expect((await post(gw, '/v1/auth/one/password-reset/request', { email: 'ada@example.com' })).status).toBe(
      202,
    );
    const inbox = async (appId: string) => {
      const res = await fetch(`${gw.url}/v1/auth/${appId}/admin/dev-mailbox`, {
        headers: { authorization: `Bearer ${appId}.k:${appId}-secret-0000000001` },
      });
      return ((await res.json()) as { items: Array<{ to: string; links: string[] }> }).items;
    };
    for (let i = 0; i < 50 && (await inbox('one')).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const [mail] = await inbox('one');
    expect(mail?.to).toBe('ada@example.com');
    expect(mail?.links[0]).toMatch(/^https:\/\/one\.example\/reset#token=/);
    expect(await inbox('two')).toEqual([]);
  });

  it('requireEmailVerification: sign-up answers the same for a taken email; sign-in waits for the link', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rb-auth-embedded-')), 'apps.json');
    const auth = { requireEmailVerification: true, emailLinks: { verifyUrl: 'https://v.example/verify' } };
    writeFileSync(
      file,
      JSON.stringify({ apps: [{ id: 'v', keys: [{ id: 'k', secret: 'v-secret-00000000001' }], auth }] }),
    );
    const gw = await startTestGateway({ env: { RELAYBOX_CONFIG: file } });
    gateways.push(gw);
    const credentials = { email: 'grace@example.com', password: 'a long password' };
    const first = await post(gw, '/v1/auth/v/signup', credentials);
    const taken = await post(gw, '/v1/auth/v/signup', { ...credentials, password: 'another long one' });
    expect(first).toEqual({ status: 201, body: { verificationRequired: true } });
    expect(taken).toEqual(first);
    const before = await post(gw, '/v1/auth/v/signin', credentials);
    expect([before.status, before.body.error.code]).toEqual([403, 'email_not_verified']);
    expect(await post(gw, '/v1/auth/v/verify-email/request', { email: 'nobody@example.com' })).toEqual({
      status: 202,
      body: {},
    });

    const inbox = async () => {
      const res = await fetch(`${gw.url}/v1/auth/v/admin/dev-mailbox`, {
        headers: { authorization: 'Bearer v.k:v-secret-00000000001' },
      });
      return ((await res.json()) as { items: Array<{ to: string; links: string[] }> }).items;
    };
    for (let i = 0; i < 50 && (await inbox()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const mails = await inbox();
    // One mail: the sign-up with a taken email and the resend for an unknown one sent nothing.
    expect(mails.map((m) => m.to)).toEqual(['grace@example.com']);
    const token = new URL(mails[0]?.links[0] as string).hash.replace('#token=', '');
    expect((await post(gw, '/v1/auth/v/verify-email', { token })).status).toBe(200);
    const after = await post(gw, '/v1/auth/v/signin', credentials);
    expect(after.status).toBe(200);
    expect(after.body.session.accessToken).toBeTruthy();
  });
});
