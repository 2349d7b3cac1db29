import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totpCodeAt, totpStep } from '@relaybox/auth';
import { type AuthChangeEvent, AuthRelayBox, RelayAuth } from '@relaybox/client/auth';
import { RelayBoxRest } from '@relaybox/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningGateway } from '../../src/start-gateway.js';
import { startTestGateway, uniqueName, wsUrl } from '../harness.js';

// The SDK side of live auth against a real gateway: @relaybox/client/auth signs users in and connects
// with their access token (renewed in band), @relaybox/rest administers them with the API key.
const SECRET = 'alpha-full-secret-001';
const PASSWORD = 'correct horse battery staple';

function appsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rb-sdk-auth-')), 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'alpha',
          keys: [{ id: 'full', secret: SECRET }],
          // 30 s, the shortest lifetime: the client renews in band after 15 s.
          auth: {
            userPermissions: { 'chat:>': ['subscribe', 'publish', 'presence'] },
            accessTokenTtlSec: 30,
            emailLinks: { verifyUrl: 'https://chat.test/verify', resetUrl: 'https://chat.test/reset' },
          },
        },
      ],
    }),
  );
  return file;
}

let gw: RunningGateway;
let rest: RelayBoxRest;
beforeAll(async () => {
  gw = await startTestGateway({
    env: { RELAYBOX_CONFIG: appsFile(), RELAYBOX_AUTH_SECRET: 'sdk-auth-test-secret-0123456789abcdef' },
  });
  rest = new RelayBoxRest({ apiKey: `alpha.full:${SECRET}`, url: gw.url });
});
afterAll(() => gw?.shutdown());

const email = () => `${uniqueName('sdk').replace(/[^a-z0-9]/gi, '')}@example.com`;

function relayOf(): { relay: AuthRelayBox; events: AuthChangeEvent[]; states: string[] } {
  const relay = new AuthRelayBox({ url: wsUrl(gw), appId: 'alpha', WebSocket, requestTimeoutMs: 5_000 });
  const events: AuthChangeEvent[] = [];
  const states: string[] = [];
  relay.auth.onAuthStateChange((event) => events.push(event));
  relay.connection.on('statechange', ({ current }) => states.push(current));
  return { relay, events, states };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('@relaybox/client/auth against a real gateway', () => {
  it('signs up, connects as the user, and renews the access token in band without reconnecting', async () => {
    const { relay, events, states } = relayOf();
    const address = email();
    const { user } = await relay.auth.signUp({ email: address, password: PASSWORD, displayName: 'Ada' });
    expect(user).toMatchObject({ email: address, displayName: 'Ada' });
    await relay.connect();
    expect(relay.clientId).toBe(user!.id);
    const connectionId = relay.connectionId;
    const room = await relay.join('chat:sdk');
    const got: unknown[] = [];
    room.subscribe('message', (m) => got.push(m.data));
    const firstToken = relay.auth.session!.accessToken;

    await until(() => events.includes('TOKEN_REFRESHED'), 25_000, 'an in-band token refresh');
    expect(relay.auth.session!.accessToken).not.toBe(firstToken);
    // Still the same connection: no disconnect, the refreshed token was sent over the open socket.
    await room.publish('message', 'after refresh');
    await until(() => got.length === 1, 5_000, 'the message');
    expect(relay.connectionId).toBe(connectionId);
    expect(states).toEqual(['connecting', 'connected']);
    expect(events).toEqual(['SIGNED_IN', 'TOKEN_REFRESHED']);

    expect(await relay.auth.getUser()).toMatchObject({ id: user!.id, email: address });
    await relay.auth.signOut();
    expect(events.at(-1)).toBe('SIGNED_OUT');
    await until(() => relay.connection.state === 'closed', 5_000, 'the connection closing on sign-out');
    await expect(relay.auth.getAccessToken()).rejects.toMatchObject({ code: 'unauthorized' });
  }, 45_000);

  it('refuses a wrong password without signing in, and keeps a session across instances via storage', async () => {
    const address = email();
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    const first = new RelayAuth({ url: gw.url, appId: 'alpha', storage });
    await first.signUp({ email: address, password: PASSWORD });
    const wrong = await first
      .signIn({ email: address, password: 'wrong password!!' })
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'invalid_credentials' });

    // Concurrent renewals share one request: two would present one refresh token twice (a reuse).
    const [a, b] = await Promise.all([first.refreshSession(), first.refreshSession()]);
    expect(a.refreshToken).toBe(b.refreshToken);
    expect((await first.getUser()).email).toBe(address);

    const reloaded = new RelayAuth({ url: gw.url, appId: 'alpha', storage });
    expect(reloaded.user?.email).toBe(address);
    const before = reloaded.session!.refreshToken;
    // The restored token's age is unknown, so the first use renews it (rotating the refresh token).
    expect((await reloaded.getUser()).email).toBe(address);
    expect(reloaded.session!.refreshToken).not.toBe(before);
    // The first instance still holds the rotated-away refresh token: presenting it is a reuse, which
    // revokes the session family, and the client signs out locally.
    const reuse = await first.refreshSession().catch((e: unknown) => e);
    expect(reuse).toMatchObject({ code: 'refresh_token_reused' });
    expect(first.session).toBeNull();
    await expect(reloaded.refreshSession()).rejects.toMatchObject({ code: 'session_revoked' });
    expect(reloaded.session).toBeNull();
    expect(store.size).toBe(0);
  });
});

describe('@relaybox/rest user administration', () => {
  it('lists, gets, revokes the sessions of and disables a user; the user is disconnected', async () => {
    const { relay, events } = relayOf();
    const address = email();
    const { user } = await relay.auth.signUp({ email: address, password: PASSWORD });
    await relay.connect();

    let found = false;
    let page = await rest.users.list({ limit: 100 });
    for (;;) {
      found ||= page.items.some((u) => u.id === user!.id && u.email === address && !u.disabled);
      if (found || page.next === null) break;
      page = await rest.users.list({ limit: 100, cursor: page.next });
    }
    expect(found).toBe(true);
    const detail = await rest.users.get(user!.id);
    expect(detail.user.email).toBe(address);
    expect(detail.sessions.filter((s) => !s.revoked)).toHaveLength(1);

    expect(await rest.users.revokeSessions(user!.id)).toEqual({ revoked: 1 });
    await until(
      () => relay.connection.state === 'failed' || relay.connection.state === 'closed',
      5_000,
      'close',
    );
    await expect(relay.auth.refreshSession()).rejects.toMatchObject({ code: 'session_revoked' });
    expect(events.at(-1)).toBe('SIGNED_OUT');

    expect((await rest.users.disable(user!.id)).disabled).toBe(true);
    const again = new RelayAuth({ url: gw.url, appId: 'alpha' });
    await expect(again.signIn({ email: address, password: PASSWORD })).rejects.toMatchObject({
      code: 'user_disabled',
    });
    expect((await rest.users.enable(user!.id)).disabled).toBe(false);
    await expect(again.signIn({ email: address, password: PASSWORD })).resolves.toMatchObject({
      user: { id: user!.id },
    });
    await expect(rest.users.get('no-such-user')).rejects.toMatchObject({ code: 'not_found' });
    await relay.close();
  });
});

/** The newest mail of the app's dev inbox to `to`, and the token of its link. */
async function mailTo(to: string): Promise<{ subject: string; token: string }> {
  const res = await fetch(`${gw.url}/v1/auth/alpha/admin/dev-mailbox`, {
    headers: { authorization: `Bearer alpha.full:${SECRET}` },
  });
  const { items } = (await res.json()) as { items: { to: string; subject: string; links: string[] }[] };
  const mail = items.find((m) => m.to === to);
  if (!mail) throw new Error(`no mail to ${to}`);
  const link = new URL(mail.links[0] ?? '');
  return { subject: mail.subject, token: new URLSearchParams(link.hash.slice(1)).get('token') ?? '' };
}

describe('@relaybox/client/auth: MFA and email flows', () => {
  it('enrols an authenticator, then signs in with a code (not a replayed one) or a recovery code', async () => {
    const address = email();
    const auth = new RelayAuth({ url: gw.url, appId: 'alpha' });
    await auth.signUp({ email: address, password: PASSWORD });
    const { otpauthUri, qrSvg } = await auth.enrollMfa();
    expect(qrSvg).toMatch(/^<svg/);
    const secret = new URL(otpauthUri).searchParams.get('secret')!;
    const step = totpStep();
    const { recoveryCodes } = await auth.activateMfa({ code: totpCodeAt(secret, step) });
    expect(recoveryCodes).toHaveLength(10);
    expect(auth.user?.mfaEnabled).toBe(true);

    const device = new RelayAuth({ url: gw.url, appId: 'alpha' });
    expect(await device.signIn({ email: address, password: PASSWORD })).toEqual({
      user: null,
      session: null,
      mfaRequired: true,
    });
    expect(device.session).toBeNull();
    // The code just used for activation cannot be replayed; the next step's code is accepted.
    await expect(device.verifyMfa({ code: totpCodeAt(secret, step) })).rejects.toMatchObject({
      code: 'mfa_code_invalid',
    });
    const signedIn = await device.verifyMfa({ code: totpCodeAt(secret, step + 1) });
    expect(signedIn.user?.id).toBe(auth.user?.id);

    const other = new RelayAuth({ url: gw.url, appId: 'alpha' });
    await other.signIn({ email: address, password: PASSWORD });
    await other.verifyMfa({ recoveryCode: recoveryCodes[0]! });
    expect(other.session).not.toBeNull();
    const again = new RelayAuth({ url: gw.url, appId: 'alpha' });
    await again.signIn({ email: address, password: PASSWORD });
    await expect(again.verifyMfa({ recoveryCode: recoveryCodes[0]! })).rejects.toMatchObject({
      code: 'mfa_code_invalid',
    });
    await expect(
      new RelayAuth({ url: gw.url, appId: 'alpha' }).verifyMfa({ code: '123456' }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('verifies the email and resets the password through the dev inbox; a reset link works once', async () => {
    const address = email();
    const auth = new RelayAuth({ url: gw.url, appId: 'alpha' });
    await auth.signUp({ email: address, password: PASSWORD });
    expect(await auth.requestEmailVerification()).toEqual({ sent: true });
    const verification = await waitForMail(address, /confirm/i);
    expect((await auth.verifyEmail(verification.token)).emailVerified).toBe(true);
    expect(auth.user?.emailVerified).toBe(true);

    await auth.requestPasswordReset({ email: address });
    const reset = await waitForMail(address, /reset/i);
    await auth.resetPassword({ token: reset.token, password: 'a brand new passphrase' });
    await expect(
      auth.resetPassword({ token: reset.token, password: 'yet another passphrase' }),
    ).rejects.toMatchObject({
      code: 'action_token_invalid',
    });
    const fresh = new RelayAuth({ url: gw.url, appId: 'alpha' });
    await expect(fresh.signIn({ email: address, password: PASSWORD })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect((await fresh.signIn({ email: address, password: 'a brand new passphrase' })).user?.email).toBe(
      address,
    );
  });
});

/** Polls the dev inbox (mails go out in the background) for a mail to `to` whose subject matches. */
async function waitForMail(to: string, subject: RegExp): Promise<{ subject: string; token: string }> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const mail = await mailTo(to).catch(() => undefined);
    if (mail && subject.test(mail.subject)) return mail;
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${to} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
