import { describe, expect, it } from 'vitest';
import { DevMailbox, extractLinks } from './dev-mailbox.js';
import { actionLink, passwordResetEmail, verificationEmail } from './mail-templates.js';

const TOKEN = 'tok_0123456789abcdefghijklmnop';
const input = {
  to: 'ann@example.test',
  appName: 'Acme <Chat>',
  baseUrl: 'https://chat.test/auth/reset?lang=en',
  token: TOKEN,
  expiresInMinutes: 30,
};

describe('DevMailbox', () => {
  it('keeps mails with their links, newest first, and tells subscribers', async () => {
    const box = new DevMailbox();
    const seen: string[] = [];
    const off = box.subscribe((m) => seen.push(m.subject));
    const { id } = await box.send(verificationEmail(input));
    await box.send(passwordResetEmail({ ...input, to: 'bob@example.test' }));
    off();
    await box.send({ to: 'carol@example.test', subject: 'after', text: 'no links' });

    expect(seen).toEqual(['Confirm your email for Acme <Chat>', 'Reset your Acme <Chat> password']);
    expect(box.list().map((m) => m.to)).toEqual([
      'carol@example.test',
      'bob@example.test',
      'ann@example.test',
    ]);
    expect(box.list({ to: 'ANN@example.test' })).toHaveLength(1);
    const mail = box.get(id)!;
    expect(mail).toMatchObject({ to: 'ann@example.test', subject: 'Confirm your email for Acme <Chat>' });
    expect(mail.links).toEqual([`https://chat.test/auth/reset?lang=en#token=${TOKEN}`]);
    expect(mail.html).toContain('Acme &lt;Chat&gt;');
    expect(mail.html).not.toContain('Acme <Chat>');
    expect(box.get('nope')).toBeUndefined();
  });

  it('drops the oldest mail past its capacity and survives a throwing listener', async () => {
    const box = new DevMailbox(3);
    box.subscribe(() => {
      throw new Error('console broke');
    });
    for (let i = 0; i < 5; i += 1) await box.send({ to: `u${i}@example.test`, subject: `m${i}`, text: '' });
    expect(box.list().map((m) => m.subject)).toEqual(['m4', 'm3', 'm2']);
    expect(box.list({ limit: 1 })).toHaveLength(1);
    expect(() => new DevMailbox(0)).toThrow(RangeError);
  });

  it('refuses a mail that breaks a bound', async () => {
    const box = new DevMailbox();
    await expect(box.send({ to: 'not-an-address', subject: 's', text: '' })).rejects.toMatchObject({
      code: 'mail_invalid',
    });
    expect(box.list()).toHaveLength(0);
  });
});

describe('action links and templates', () => {
  it('puts the token in the fragment by default, or in the query', () => {
    expect(actionLink('https://a.test/verify', TOKEN)).toBe(`https://a.test/verify#token=${TOKEN}`);
    expect(actionLink('https://a.test/verify?x=1', TOKEN, 'query')).toBe(
      `https://a.test/verify?x=1&token=${TOKEN}`,
    );
    for (const [base, token] of [
      ['javascript:alert(1)', TOKEN],
      ['/relative', TOKEN],
      ['https://a.test', 'short'],
      ['https://a.test', `${TOKEN}"><script>`],
    ]) {
      expect(() => actionLink(base!, token!)).toThrow(expect.objectContaining({ code: 'mail_invalid' }));
    }
  });

  it('extracts http(s) links from text and html once each', () => {
    const links = extractLinks(
      'see https://a.test/x. and <a href="https://b.test/?a=1&amp;b=2">b</a> https://a.test/x',
    );
    expect(links).toEqual(['https://a.test/x', 'https://b.test/?a=1&b=2']);
  });
});
