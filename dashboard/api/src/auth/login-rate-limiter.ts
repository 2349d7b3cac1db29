import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export const LOGIN_WINDOW_SEC = 15 * 60;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

/**
 * Failed logins counted in PostgreSQL over a sliding 15-minute window, so every control-plane
 * process behind a load balancer shares the counts: 5 failures per email, 20 per client IP.
 * A successful login clears the email's failures (not the IP's).
 */
export class LoginRateLimiter {
  constructor(private readonly db: Kysely<Database>) {}

  /** Seconds until another try is allowed, or null when not limited. */
  async retryAfter(email: string, ip: string): Promise<number | null> {
    const rows = await this.db
      .selectFrom('login_failures')
      .select([
        'scope',
        sql<string>`count(*)`.as('n'),
        sql<string>`extract(epoch from (min(at) + make_interval(secs => ${LOGIN_WINDOW_SEC}) - now()))`.as(
          'wait',
        ),
      ])
      .where('scope', 'in', [`email:${email}`, `ip:${ip}`])
      .where(sql<boolean>`at > now() - make_interval(secs => ${LOGIN_WINDOW_SEC})`)
      .groupBy('scope')
      .execute();
    let wait: number | null = null;
    for (const row of rows) {
      const limit = row.scope.startsWith('email:') ? MAX_FAILURES_PER_EMAIL : MAX_FAILURES_PER_IP;
      if (Number(row.n) >= limit) wait = Math.max(wait ?? 1, Math.ceil(Number(row.wait)));
    }
    return wait;
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await this.db
      .insertInto('login_failures')
      .values([{ scope: `email:${email}` }, { scope: `ip:${ip}` }])
      .execute();
    await this.db
      .deleteFrom('login_failures')
      .where(sql<boolean>`at < now() - make_interval(secs => ${LOGIN_WINDOW_SEC})`)
      .execute();
  }

  async reset(email: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('scope', '=', `email:${email}`).execute();
  }
}
