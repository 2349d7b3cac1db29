import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export const SIGNUP_WINDOW_SEC = 60 * 60;
/** Advisory-lock namespace of signup reservations (see login-rate-limiter.ts for the others). */
const LOCK_SIGNUP_IP = 0x52420003;

/**
 * Signup attempts per client IP over a sliding 1-hour window, counted in PostgreSQL (table
 * `signup_attempts`) so every control-plane process shares the counts. Every attempt that passes
 * body validation counts, accepted or refused (an existing email costs a password hash too).
 * `limit` 0 turns the limit off. Check and record run in one transaction holding an advisory lock
 * on the IP, so concurrent signups from one IP cannot overshoot the limit.
 */
export class SignupRateLimiter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limit: number,
  ) {}

  /**
   * Counts one attempt from `ip` and returns null, or returns the seconds until another signup
   * from `ip` is allowed (the attempt is then not counted).
   */
  async reserve(ip: string): Promise<number | null> {
    if (this.limit === 0) return null;
    const wait = await this.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_SIGNUP_IP}, hashtext(${ip}))`.execute(tx);
      const row = await tx
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
      if (row && Number(row.n) >= this.limit) {
        return Math.max(1, Math.ceil(Number(row.wait ?? SIGNUP_WINDOW_SEC)));
      }
      await tx.insertInto('signup_attempts').values({ ip }).execute();
      return null;
    });
    if (wait === null) await this.prune();
    return wait;
  }

  /** Drops rows older than the window. */
  private async prune(): Promise<void> {
    await this.db
      .deleteFrom('signup_attempts')
      .where(sql<boolean>`at < now() - make_interval(secs => ${SIGNUP_WINDOW_SEC})`)
      .execute();
  }
}
