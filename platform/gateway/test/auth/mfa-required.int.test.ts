import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totpCodeAt, totpStep } from '@relaybox/auth';
import { RelayAuth } from '@relaybox/client/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway, TestClient, wsUrl } from '../harness.js';

// `auth.mfa.required` (docs/auth.md#requiring-mfa) on a real gateway: a user without an
// authenticator gets an enrolment token instead of a session, good for nothing but enrolling.

const PASSWORD = 'correct horse battery staple';
let gw: RunningGateway;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rb-mfa-required-')), 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'strict',
          keys: [{ id: 'k', secret: 'strict-secret-00000001' }],
          auth: { mfa: { required: true } },
        },
      ],
    }),
  );
  gw = await startTestGateway({ env: { RELAYBOX_CONFIG: file } });
});
afterAll(async () => {
  await gw?.shutdown();
});

interface Answer {
  mfaEnrollmentRequired?: true;
  enrollToken?: string;
  mfaRequired?: true;
  mfaToken?: string;
  otpauthUri?: string;
  recoveryCodes?: string[];
  session?: { accessToken: string };
  error?: { code: string };
}
async function post(path: string, body: unknown, bearer?: string) {
  const res = await fetch(`${gw.url}/v1/auth/strict/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (res.status === 204 ? {} : await res.json()) as Answer };
}

describe('auth.mfa.required', () => {
  it('sign-up and sign-in without an authenticator answer an enrolment token; activating starts the session', async () => {
    const email = `strict-${Date.now()}@example.com`;
    const up = await post('signup', { email, password: PASSWORD });
    expect(up.status).toBe(201);
    expect(up.body.mfaEnrollmentRequired).toBe(true);
    expect(up.body.session).toBeUndefined();
    const signedIn = await post('signin', { email, password: PASSWORD });
    expect(signedIn.body).toMatchObject({ mfaEnrollmentRequired: true });
    expect(signedIn.body.session).toBeUndefined();
    const token = signedIn.body.enrollToken as string;

    // The enrolment token is no access token: no user route, no connection.
    const me = await fetch(`${gw.url}/v1/auth/strict/user`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(401);
    await expect(TestClient.connect(wsUrl(gw), { token })).rejects.toThrow();
    expect((await post('signin/mfa-enroll', { enrollToken: 'forged' })).body.error?.code).toBe(
      'action_token_invalid',
    );

    const enrolled = await post('signin/mfa-enroll', { enrollToken: token });
    const secret = new URL(enrolled.body.otpauthUri as string).searchParams.get('secret') as string;
    const wrong = await post('signin/mfa-activate', { enrollToken: token, code: '000000' });
    expect(wrong.body.error?.code).toBe('mfa_code_invalid');
    const step = totpStep();
    const done = await post('signin/mfa-activate', { enrollToken: token, code: totpCodeAt(secret, step) });
    expect(done.status).toBe(200);
    expect(done.body.recoveryCodes).toHaveLength(10);
    const access = done.body.session?.accessToken as string;
    const client = await TestClient.connect(wsUrl(gw), { token: access });
    await client.joinAndSubscribe('room:1');
    client.close();

    // Spent: the token cannot enrol again (that would replace the authenticator).
    const again = await post('signin/mfa-enroll', { enrollToken: up.body.enrollToken });
    expect(again.body.error?.code).toBe('action_token_invalid');
    // From now on the password gives the usual second-step challenge.
    expect((await post('signin', { email, password: PASSWORD })).body.mfaRequired).toBe(true);
    // The app requires it: the user cannot turn it off.
    const off = await post('mfa/totp/disable', { code: totpCodeAt(secret, step + 1) }, access);
    expect(off.body.error?.code).toBe('permission_denied');
  });

  it('@relaybox/client/auth: sign-up answers mfaEnrollmentRequired; enrollMfa and activateMfa sign in', async () => {
    const auth = new RelayAuth({ url: gw.url, appId: 'strict' });
    const events: string[] = [];
    auth.onAuthStateChange((event) => events.push(event));
    const email = `sdk-strict-${Date.now()}@example.com`;
    const up = await auth.signUp({ email, password: PASSWORD });
    expect(up).toEqual({ user: null, session: null, mfaEnrollmentRequired: true });
    const { otpauthUri } = await auth.enrollMfa();
    const secret = new URL(otpauthUri).searchParams.get('secret') as string;
    const { recoveryCodes } = await auth.activateMfa({ code: totpCodeAt(secret, totpStep()) });
    expect(recoveryCodes).toHaveLength(10);
    expect(events).toEqual(['SIGNED_IN']);
    expect(auth.user).toMatchObject({ email, mfaEnabled: true });
    expect((await auth.getUser()).mfaEnabled).toBe(true);
    const again = await new RelayAuth({ url: gw.url, appId: 'strict' }).signIn({ email, password: PASSWORD });
    expect(again).toMatchObject({ mfaRequired: true });
  });
});
