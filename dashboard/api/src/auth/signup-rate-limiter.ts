import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export const SIGNUP_WINDOW_SEC = 60 * 60;

/**
 * Signup attempts per client IP over a sliding 1-hour window, counted in PostgreSQL (table
 * `signup_attempts`) so every control-plane process shares the counts. Every attempt that passes
 * body validation counts, accepted or refused (an existing email costs a password hash too).
 * `limit` 0 turns the limit off. Check and record are two statements: a burst of concurrent
 * signups from one IP may overshoot the limit by the number of requests in flight.
 */
export class SignupRateLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limit: number,
  ) {}

  /** Seconds until another signup from `ip` is allowed, or null when not limited. */
  async retryAfter(ip: string): Promise<number | null> {
    if (this.limit === 0) return null;
    const row = await this.db
      .selectFrom('signup_attempts')
      .select([
        sql<string>`count(*)`.as('n'),
        sql<
          string | null
        >`extract(epoch from (min(at) + make_interval(secs => ${SIGNUP_WINDOW_SEC}) - now()))`.as('wait'),
      ])
      .where('ip', '=', ip)
      .where(sql<boolean>`at > now() - make_interval(secs => ${SIGNUP_WINDOW_SEC})`)
      .executeTakeFirst();
    if (!row || Number(row.n) < this.limit) return null;
    return Math.max(1, Math.ceil(Number(row.wait ?? SIGNUP_WINDOW_SEC)));
  }

  /** Counts one attempt from `ip` and drops rows older than the window. */
  async record(ip: string): Promise<void> {
    if (this.limit === 0) return;
    await this.db.insertInto('signup_attempts').values({ ip }).execute();
    await this.db
      .deleteFrom('signup_attempts')
      .where(sql<boolean>`at < now() - make_interval(secs => ${SIGNUP_WINDOW_SEC})`)
      .execute();
  }
}
