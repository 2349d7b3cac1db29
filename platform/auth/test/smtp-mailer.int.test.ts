import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordResetEmail, SmtpMailer, verificationEmail } from '../src/index.js';
import { SmtpReceiver } from './smtp-receiver.js';

const TOKEN = 'tok_0123456789abcdefghijklmnop';

/** The decoded text part of a raw message (nodemailer sends quoted-printable for long lines). */
function textPart(raw: string): string {
  const unfolded = raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return unfolded;
}

describe('SmtpMailer against a real SMTP server', () => {
  let receiver: SmtpReceiver;
  let mailer: SmtpMailer;
  beforeAll(async () => {
    receiver = await SmtpReceiver.start({ refuse: ['nobody@example.test'] });
    mailer = new SmtpMailer({
      host: '127.0.0.1',
      port: receiver.port,
      from: '"Acme Chat" <no-reply@acme.test>',
    });
  });
  afterAll(async () => {
    mailer?.close();
    await receiver?.close();
  });

  it('delivers a verification mail with its link, text and html', async () => {
    const mail = verificationEmail({
      to: 'ann@example.test',
      appName: 'Acme Chat',
      baseUrl: 'https://chat.acme.test/auth/verify',
      token: TOKEN,
      expiresInMinutes: 60,
    });
    const { id } = await mailer.send(mail);
    expect(id).toMatch(/@/);
    const [received] = await receiver.waitFor(1);
    expect(received!.from).toBe('no-reply@acme.test');
    expect(received!.to).toEqual(['ann@example.test']);
    const raw = textPart(received!.raw);
    expect(raw).toMatch(/^Subject: Confirm your email for Acme Chat$/m);
    expect(raw).toMatch(/^To: ann@example\.test$/m);
    expect(raw).toContain('multipart/alternative');
    expect(raw).toContain(`https://chat.acme.test/auth/verify#token=${TOKEN}`);
    expect(raw).toContain('text/html');
  });

  it('reports a refused recipient as mail_delivery_failed with the SMTP code', async () => {
    const error = await mailer
      .send(
        passwordResetEmail({
          to: 'nobody@example.test',
          appName: 'Acme Chat',
          baseUrl: 'https://chat.acme.test/auth/reset',
          token: TOKEN,
          expiresInMinutes: 30,
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'mail_delivery_failed', retryable: true });
    expect(String((error as Error).message)).toContain('SMTP 550');
  });

  it('refuses a mail that breaks a bound before connecting', async () => {
    const send = (m: Parameters<SmtpMailer['send']>[0]) =>
      mailer.send(m).catch((e: { code: string }) => e.code);
    expect(await send({ to: 'a@b.test\r\nBcc: x@y.test', subject: 's', text: 't' })).toBe('mail_invalid');
    expect(await send({ to: 'a@b.test, c@d.test', subject: 's', text: 't' })).toBe('mail_invalid');
    expect(await send({ to: 'a@b.test', subject: 'line\r\nBcc: x@y.test', text: 't' })).toBe('mail_invalid');
    expect(await send({ to: 'a@b.test', subject: 's', text: 'x'.repeat(100 * 1024 + 1) })).toBe(
      'mail_invalid',
    );
  });
});

describe('SmtpMailer with authentication and failures', () => {
  it('authenticates with the configured credentials; wrong ones fail with the SMTP code', async () => {
    const receiver = await SmtpReceiver.start({ credentials: { user: 'relay', pass: 'smtp-pass-123' } });
    const mail = { to: 'bob@example.test', subject: 'Hi', text: 'hello' };
    const good = new SmtpMailer({
      host: '127.0.0.1',
      port: receiver.port,
      from: 'no-reply@acme.test',
      auth: { user: 'relay', pass: 'smtp-pass-123' },
    });
    const bad = new SmtpMailer({
      host: '127.0.0.1',
      port: receiver.port,
      from: 'no-reply@acme.test',
      auth: { user: 'relay', pass: 'wrong' },
    });
    try {
      await good.send(mail);
      expect((await receiver.waitFor(1))[0]!.user).toBe('relay');
      const error = await bad.send(mail).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'mail_delivery_failed' });
      expect(String((error as Error).message)).toContain('535');
      expect(String((error as Error).message)).not.toContain('wrong');
    } finally {
      good.close();
      bad.close();
      await receiver.close();
    }
  });

  it('gives up on a server that never greets within the timeout', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const mailer = new SmtpMailer({ host: '127.0.0.1', port, from: 'no-reply@acme.test', timeoutMs: 500 });
    try {
      const error = await mailer
        .send({ to: 'c@example.test', subject: 's', text: 't' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'mail_delivery_failed', retryable: true });
    } finally {
      mailer.close();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
