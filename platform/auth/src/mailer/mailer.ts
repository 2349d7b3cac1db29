import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';

/** One mail to one recipient. `html` is optional: every client can read `text`. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Sends the auth service's mails (email verification, password reset). `send` resolves once the mail
 * was handed over (accepted by the SMTP server, or stored in the dev mailbox) and rejects with
 * `mail_invalid` (a bound broken: nothing was sent) or `mail_delivery_failed` (retryable).
 * Implementations: `SmtpMailer` (nodemailer), `DevMailbox` (kept in memory, shown by the console).
 */
export interface Mailer {
  send(message: MailMessage): Promise<{ id: string }>;
}

export const MAIL_LIMITS = {
  /** RFC 5321 §4.5.3.1.3 path limit. */
  toChars: 254,
  subjectChars: 200,
  textBytes: 100 * 1024,
  htmlBytes: 200 * 1024,
};

// One plain address; no display name, no list, no CR/LF (header injection).
const ADDRESS =
  /^[^\s@<>,;:"\\()[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** Throws `mail_invalid` unless the message is within every bound. */
export function assertMail(message: MailMessage): void {
  const invalid = (why: string) => new AuthProviderError(AuthProviderErrorCode.MailInvalid, why);
  if (!message || typeof message !== 'object') throw invalid('a mail must be an object');
  const { to, subject, text, html } = message;
  if (typeof to !== 'string' || to.length > MAIL_LIMITS.toChars || !ADDRESS.test(to)) {
    throw invalid(`"to" must be one email address of at most ${MAIL_LIMITS.toChars} characters`);
  }
  if (
    typeof subject !== 'string' ||
    !subject ||
    subject.length > MAIL_LIMITS.subjectChars ||
    /[\r\n]/.test(subject)
  ) {
    throw invalid(`"subject" must be one line of 1-${MAIL_LIMITS.subjectChars} characters`);
  }
  if (typeof text !== 'string' || Buffer.byteLength(text) > MAIL_LIMITS.textBytes) {
    throw invalid(`"text" must be a string of at most ${MAIL_LIMITS.textBytes} bytes`);
  }
  if (html !== undefined && (typeof html !== 'string' || Buffer.byteLength(html) > MAIL_LIMITS.htmlBytes)) {
    throw invalid(`"html" must be a string of at most ${MAIL_LIMITS.htmlBytes} bytes`);
  }
}
