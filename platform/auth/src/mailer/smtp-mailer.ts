import { createTransport } from 'nodemailer';
import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { assertMail, type Mailer, type MailMessage } from './mailer.js';

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  /** Refuse to send unless the server upgrades to TLS (STARTTLS). */
  requireTls?: boolean;
  auth?: { user: string; pass: string };
  /** The sender, e.g. `"Acme" <no-reply@acme.test>`. */
  from: string;
  /** Bound of connecting, of the greeting and of each step of the dialogue; default 10 s. */
  timeoutMs?: number;
}

/**
 * Sends through an SMTP server with nodemailer, one pooled connection at most 3 at a time. A
 * refusal, an unreachable server or a timeout is `mail_delivery_failed` (retryable); the message
 * names the SMTP reply code but never the credentials or the mail's content.
 */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(private readonly options: SmtpMailerOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.transport = createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      requireTLS: options.requireTls ?? false,
      auth: options.auth,
      pool: true,
      maxConnections: 3,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
    });
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    assertMail(message);
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
      });
      return { id: String(info.messageId) };
    } catch (error) {
      const { responseCode, code } = (error ?? {}) as { responseCode?: number; code?: string };
      const reason = responseCode ? `SMTP ${responseCode}` : (code ?? 'connection failed');
      throw new AuthProviderError(
        AuthProviderErrorCode.MailDeliveryFailed,
        `the SMTP server ${this.options.host}:${this.options.port} did not take the mail (${reason})`,
        { cause: error },
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}
