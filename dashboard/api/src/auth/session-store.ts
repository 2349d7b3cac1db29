import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { randomSecret, sha256 } from '../lib/ids.js';

export const SESSION_COOKIE = 'rb_session';
export const SESSION_TTL_SEC = 7 * 24 * 3600;

export interface SessionInfo {
  user: { id: string; email: string };
  csrfToken: string;
}

/**
 * Browser sessions. The cookie holds 32 random bytes; the database holds only their sha256, so a
 * database dump yields no usable session. The CSRF token is derived from the cookie value
 * (sha256 with a domain prefix): nothing extra is stored and it cannot be computed from the DB.
 */
export class SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(user: { id: string; email: string }): Promise<SessionInfo & { cookieValue: string }> {
    const cookieValue = randomSecret();
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: sha256(cookieValue),
        user_id: user.id,
        expires_at: new Date(Date.now() + SESSION_TTL_SEC * 1000),
      })
      .execute();
    return { cookieValue, user, csrfToken: csrfTokenFor(cookieValue) };
  }

  async load(cookieValue: string): Promise<SessionInfo | null> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email', 'sessions.expires_at'])
      .where('sessions.id_hash', '=', sha256(cookieValue))
      .executeTakeFirst();
    if (!row) return null;
    if (new Date(row.expires_at).getTime() <= Date.now()) {
      await this.delete(cookieValue);
      return null;
    }
    return { user: { id: row.id, email: row.email }, csrfToken: csrfTokenFor(cookieValue) };
  }

  async delete(cookieValue: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', sha256(cookieValue)).execute();
    // Expired sessions of everyone are swept here too: logouts are frequent enough to keep it small.
    await this.db.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
  }
}

function csrfTokenFor(cookieValue: string): string {
  return Buffer.from(sha256(`relaybox-csrf:${cookieValue}`), 'hex').toString('base64url');
}
