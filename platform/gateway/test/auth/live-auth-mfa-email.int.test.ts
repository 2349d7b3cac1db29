import { totpCodeAt, totpStep } from '@relaybox/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpReceiver } from '../../../auth/test/smtp-receiver.js';
import { TestClient, wsUrl } from '../harness.js';
import {
  AUTH_APP,
  type AuthCluster,
  call,
  PER_ACCOUNT,
  refresh,
  type SignedIn,
  signIn,
  signUp,
  startAuthCluster,
  tracesUntil,
  uniqueEmail,
} from './live-auth-cluster.js';

const PASSWORD = 'correct horse battery staple';

let cluster: AuthCluster;
let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await SmtpReceiver.start();
  cluster = await startAuthCluster(2, {
    RELAYBOX_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    RELAYBOX_MAIL_FROM: 'Alpha <no-reply@alpha.example>',
  });
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
  await smtp?.close();
});

const gw = (i: number) => cluster.gateways[i]!;
const path = (p: string) => `/v1/auth/${AUTH_APP}/${p}`;

/** The token of the newest mail to `to` (quoted-printable undone). */
async function mailedToken(to: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const mail = smtp.mails.filter((m) => m.to.includes(to)).at(-1);
    if (mail) {
      const text = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      const token = /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
      if (token) return token;
    }
    if (Date.now() > deadline) throw new Error(`no mail with a token to ${to}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('TOTP multi-factor over two gateway processes', () => {
  it('enrols, activates, asks for a second factor at sign-in, refuses replays, recovery codes work once', async () => {
    const email = uniqueEmail();
    const { session } = (await signUp(gw(0), email, PASSWORD)).body;
    const bearer = session.accessToken;
    const enrolled = await call<{ otpauthUri: string; qrSvg: string }>(
      gw(1),
      'POST',
      path('mfa/totp/enroll'),
      { bearer },
    );
    expect(enrolled.status).toBe(200);
    const uri = new URL(enrolled.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('issuer')).toBe('Alpha Chat');
    expect(enrolled.body.qrSvg).toContain('<svg');
    const secret = uri.searchParams.get('secret') as string;

    const wrong = await call(gw(0), 'POST', path('mfa/totp/activate'), { bearer, body: { code: '000000' } });
    expect([wrong.status, wrong.body.error?.code]).toEqual([401, 'mfa_code_invalid']);
    const step = totpStep();
    const activated = await call<{ recoveryCodes: string[] }>(gw(0), 'POST', path('mfa/totp/activate'), {
      bearer,
      body: { code: totpCodeAt(secret, step) },
    });
    expect(activated.status).toBe(200);
    expect(activated.body.recoveryCodes).toHaveLength(10);
    const me = await call<{ user: { mfaEnabled: boolean } }>(gw(1), 'GET', path('user'), { bearer });
    expect(me.body.user.mfaEnabled).toBe(true);

    // The password alone gives a challenge, no session.
    const first = await signIn(gw(1), email, PASSWORD);
    const challenge = first.body as unknown as { mfaRequired: boolean; mfaToken: string; session?: unknown };
    expect(challenge.mfaRequired).toBe(true);
    expect(challenge.session).toBeUndefined();
    // The code that activated is used up (same step): a replay.
    const replay = await call(gw(0), 'POST', path('signin/mfa'), {
      body: { mfaToken: challenge.mfaToken, code: totpCodeAt(secret, step) },
    });
    expect(replay.body.error?.code).toBe('mfa_code_invalid');
    const next = totpCodeAt(secret, step + 1);
    const done = await call<SignedIn>(gw(0), 'POST', path('signin/mfa'), {
      body: { mfaToken: challenge.mfaToken, code: next },
    });
    expect(done.status).toBe(200);
    expect(done.body.session.accessToken).toBeTruthy();
    const again = await call(gw(1), 'POST', path('signin/mfa'), {
      body: { mfaToken: challenge.mfaToken, code: next },
    });
    expect(again.body.error?.code).toBe('mfa_code_invalid');

    const [code] = activated.body.recoveryCodes as [string];
    const viaRecovery = await call<SignedIn>(gw(1), 'POST', path('signin/mfa'), {
      body: { mfaToken: challenge.mfaToken, recoveryCode: code.toUpperCase() },
    });
    expect(viaRecovery.status).toBe(200);
    const twice = await call(gw(0), 'POST', path('signin/mfa'), {
      body: { mfaToken: challenge.mfaToken, recoveryCode: code },
    });
    expect(twice.body.error?.code).toBe('mfa_code_invalid');
    expect(
      (await call(gw(0), 'POST', path('signin/mfa'), { body: { mfaToken: 'forged', code: next } })).body.error
        ?.code,
    ).toBe('action_token_invalid');

    const user = (await call<{ user: { id: string } }>(gw(0), 'GET', path('user'), { bearer })).body.user;
    const isFailure = (e: { type: string; clientId?: string }) =>
      e.type === 'auth.mfa.failed' && e.clientId === user.id;
    const events = await tracesUntil(gw(0), (all) => all.filter(isFailure).length >= 4);
    expect(events.filter(isFailure)).toHaveLength(4);

    // Disabling takes a second factor; then the password alone signs in again.
    const [, spare] = activated.body.recoveryCodes as [string, string];
    const disabled = await call(gw(1), 'POST', path('mfa/totp/disable'), {
      bearer,
      body: { recoveryCode: spare },
    });
    expect(disabled.status).toBe(204);
    expect((await signIn(gw(0), email, PASSWORD)).body.session.accessToken).toBeTruthy();
  });

  it('wrong codes count against the limit: parallel guesses check at most the limit', async () => {
    const email = uniqueEmail();
    const { session } = (await signUp(gw(0), email, PASSWORD)).body;
    const bearer = session.accessToken;
    const secret = new URL(
      (await call<{ otpauthUri: string }>(gw(0), 'POST', path('mfa/totp/enroll'), { bearer })).body
        .otpauthUri,
    ).searchParams.get('secret') as string;
    await call(gw(0), 'POST', path('mfa/totp/activate'), {
      bearer,
      body: { code: totpCodeAt(secret, totpStep()) },
    });
    const { mfaToken } = (await signIn(gw(1), email, PASSWORD)).body as unknown as { mfaToken: string };
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(gw(i % 2), 'POST', path('signin/mfa'), { body: { mfaToken, code: String(100000 + i) } }),
      ),
    );
    const codes = guesses.map((g) => g.body.error?.code);
    expect(codes.filter((c) => c === 'mfa_code_invalid')).toHaveLength(PER_ACCOUNT);
    expect(codes.filter((c) => c === 'auth_rate_limited')).toHaveLength(20 - PER_ACCOUNT);
  });
});

describe('email verification and password reset through a real SMTP server', () => {
  it('verifies an email with the mailed link', async () => {
    const email = uniqueEmail();
    const { session } = (await signUp(gw(0), email, PASSWORD)).body;
    const sent = await call(gw(1), 'POST', path('verify-email/request'), { bearer: session.accessToken });
    expect([sent.status, sent.body]).toEqual([202, { sent: true }]);
    const token = await mailedToken(email);
    const mail = smtp.mails.filter((m) => m.to.includes(email)).at(-1);
    expect(mail?.raw).toContain('Alpha Chat');
    const verified = await call<{ user: { emailVerified: boolean } }>(gw(0), 'POST', path('verify-email'), {
      body: { token },
    });
    expect(verified.body.user.emailVerified).toBe(true);
    expect((await call(gw(1), 'POST', path('verify-email'), { body: { token } })).status).toBe(200);
    const forged = await call(gw(1), 'POST', path('verify-email'), {
      body: { token: `${token.slice(0, -4)}AAAA` },
    });
    expect(forged.body.error?.code).toBe('action_token_invalid');
    expect(
      (await call(gw(1), 'POST', path('verify-email/request'), { bearer: session.accessToken })).body,
    ).toEqual({
      sent: false,
    });
  });

  it('resets a password once, answers unknown emails the same, and signs the user out everywhere', async () => {
    const email = uniqueEmail();
    const up = (await signUp(gw(0), email, PASSWORD)).body;
    const client = await TestClient.connect(wsUrl(gw(1).port), { token: up.session.accessToken });
    const before = smtp.mails.length;
    const known = await call(gw(0), 'POST', path('password-reset/request'), { body: { email } });
    const unknown = await call(gw(1), 'POST', path('password-reset/request'), {
      body: { email: uniqueEmail() },
    });
    expect([known.status, known.body]).toEqual([202, {}]);
    expect([unknown.status, unknown.body]).toEqual([202, {}]);
    const token = await mailedToken(email);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails.length - before).toBe(1);

    const short = await call(gw(1), 'POST', path('password-reset'), { body: { token, password: 'short' } });
    expect(short.body.error?.code).toBe('invalid_request');
    const reset = await call(gw(1), 'POST', path('password-reset'), {
      body: { token, password: 'a brand new password' },
    });
    expect(reset.status).toBe(204);
    expect((await client.closed).code).toBe(4100);
    expect((await refresh(gw(0), up.session.refreshToken)).body.error?.code).toBe('session_revoked');
    expect((await signIn(gw(0), email, PASSWORD)).body.error?.code).toBe('invalid_credentials');
    expect((await signIn(gw(1), email, 'a brand new password')).status).toBe(200);
    const reused = await call(gw(0), 'POST', path('password-reset'), {
      body: { token, password: 'yet another password' },
    });
    expect(reused.body.error?.code).toBe('action_token_invalid');
  });
});
