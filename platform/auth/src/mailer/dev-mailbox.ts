import { randomUUID } from 'node:crypto';
import { assertMail, type Mailer, type MailMessage } from './mailer.js';

/** A mail as the dev mailbox keeps it (and the console shows it). */
export interface DevMail {
  id: string;
  /** When it was sent, ms since the epoch. */
  time: number;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Every http(s) link of the text and the html, once each, in order of appearance. */
  links: string[];
}

export type DevMailListener = (mail: DevMail) => void;

const LINK = /https?:\/\/[^\s"'<>`]+/g;
const MAX_LINKS = 50;

/**
 * The local engines' mailer: nothing leaves the machine; the last `capacity` mails (default 200) are
 * kept in memory, the oldest dropped first, and shown by the console the way Supabase's local stack
 * shows its inbox. Listeners are called synchronously after a mail is stored; a throwing listener does
 * not fail the send.
 */
export class DevMailbox implements Mailer {
  private readonly mails: DevMail[] = [];
  private readonly listeners = new Set<DevMailListener>();

  constructor(readonly capacity = 200) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) {
      throw new RangeError('DevMailbox capacity must be 1-10000');
    }
  }

  async send(message: MailMessage): Promise<{ id: string }> {
    assertMail(message);
    const mail: DevMail = {
      id: randomUUID(),
      time: Date.now(),
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
      links: extractLinks(`${message.text}\n${message.html ?? ''}`),
    };
    this.mails.push(mail);
    if (this.mails.length > this.capacity) this.mails.shift();
    for (const listener of this.listeners) {
      try {
        listener(mail);
      } catch {
        // A console that failed to render one mail must not make sign-up fail.
      }
    }
    return { id: mail.id };
  }

  /** Newest first; `to` filters by recipient (case-insensitive). */
  list(filter: { to?: string; limit?: number } = {}): DevMail[] {
    const to = filter.to?.toLowerCase();
    const matching = this.mails.filter((m) => to === undefined || m.to.toLowerCase() === to).reverse();
    return matching.slice(0, Math.max(0, Math.min(filter.limit ?? this.capacity, this.capacity)));
  }

  get(id: string): DevMail | undefined {
    return this.mails.find((m) => m.id === id);
  }

  /** Called with every mail sent from now on; returns the unsubscribe function. */
  subscribe(listener: DevMailListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.mails.length = 0;
  }
}

/** http(s) links of a text or an HTML body (`&amp;` decoded), deduplicated, at most 50. */
export function extractLinks(body: string): string[] {
  const links = new Set<string>();
  for (const match of body.matchAll(LINK)) {
    const link = match[0].replace(/&amp;/g, '&').replace(/[.,;:!?)\]]+$/, '');
    links.add(link);
    if (links.size >= MAX_LINKS) break;
  }
  return [...links];
}
