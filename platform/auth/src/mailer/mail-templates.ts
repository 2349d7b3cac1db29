import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import type { MailMessage } from './mailer.js';

export interface ActionMailInput {
  to: string;
  /** The app's name as users know it. */
  appName: string;
  /** The page of the app that completes the action, e.g. `https://chat.test/auth/reset`. */
  baseUrl: string;
  /** The one-time token (random, stored hashed by the service). */
  token: string;
  /** How long the link works, for the wording; minutes. */
  expiresInMinutes: number;
  /**
   * Where the token goes in the link. `fragment` (default, `#token=…`): browsers never send it to a
   * server, so it cannot end up in an access log or a Referer; the page reads it and posts it to
   * `/v1/auth`. `query` (`?token=…`) for a server-rendered page that consumes it at once.
   */
  tokenIn?: 'fragment' | 'query';
}

/** The link of an action mail: the base URL with the token in its fragment (or query). */
export function actionLink(
  baseUrl: string,
  token: string,
  tokenIn: 'fragment' | 'query' = 'fragment',
): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AuthProviderError(
      AuthProviderErrorCode.MailInvalid,
      'the link base URL is not an absolute URL',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AuthProviderError(AuthProviderErrorCode.MailInvalid, 'the link base URL must be http(s)');
  }
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(token)) {
    throw new AuthProviderError(
      AuthProviderErrorCode.MailInvalid,
      'the token must be 16-256 base64url characters',
    );
  }
  if (tokenIn === 'query') url.searchParams.set('token', token);
  else url.hash = `token=${token}`;
  return url.toString();
}

/** "Confirm your email address" with the verification link. */
export function verificationEmail(input: ActionMailInput): MailMessage {
  return actionMail(input, {
    subject: `Confirm your email for ${input.appName}`,
    lead: `Confirm that ${input.to} is your email address for ${input.appName}.`,
    button: 'Confirm email',
    ignore: 'If you did not sign up, ignore this mail: no account will be activated.',
  });
}

/** "Reset your password" with the reset link. */
export function passwordResetEmail(input: ActionMailInput): MailMessage {
  return actionMail(input, {
    subject: `Reset your ${input.appName} password`,
    lead: `Someone asked to reset the password of ${input.to} for ${input.appName}.`,
    button: 'Choose a new password',
    ignore: 'If it was not you, ignore this mail: your password stays as it is.',
  });
}

function actionMail(
  input: ActionMailInput,
  words: { subject: string; lead: string; button: string; ignore: string },
): MailMessage {
  const link = actionLink(input.baseUrl, input.token, input.tokenIn);
  const expiry = `The link works once, for ${input.expiresInMinutes} minutes.`;
  const text = `${words.lead}\n\n${words.button}: ${link}\n\n${expiry}\n${words.ignore}\n`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<p>${escapeHtml(words.lead)}</p>`,
    `<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:8px 16px;background:#2563eb;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(words.button)}</a></p>`,
    `<p style="color:#555">${escapeHtml(expiry)} ${escapeHtml(words.ignore)}</p>`,
    `<p style="color:#555;font-size:12px">${escapeHtml(link)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to: input.to, subject: words.subject.replace(/[\r\n]+/g, ' ').slice(0, 200), text, html };
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
