import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export const LOGIN_WINDOW_SEC = 15 * 60;
/** Failures per (email, client address) pair in the window: then that pair is locked out. */
export const MAX_FAILURES_PER_PAIR = 5;
/** Failures per client address in the window, whatever the emails. */
export const MAX_FAILURES_PER_IP = 20;
/** Failures per email in the window before the per-email backoff starts. */
export const MAX_FAILURES_PER_EMAIL = 5;
/** Per-email backoff: 10 s after the 5th failure, doubling per further failure, at most 5 min. */
export const EMAIL_BACKOFF_BASE_SEC = 10;
export const EMAIL_BACKOFF_MAX_SEC = 5 * 60;
/** An address an email signed in from stays exempt from the per-email backoff this long. */
export const KNOWN_ADDRESS_DAYS = 30;

/** Advisory-lock namespaces (first key of `pg_advisory_xact_lock(int, int)`). */
const LOCK_IP = 0x52420001;
const LOCK_EMAIL = 0x52420002;

/** A reserved attempt: counted as a failure until `succeeded` releases it. */
export interface LoginAttempt {
  readonly email: string;
  readonly ip: string;
  readonly rowIds: readonly string[];
}

export type Reservation = { ok: true; attempt: LoginAttempt } | { ok: false; retryAfter: number };

interface Counts {
  n: number;
  first: number;
  last: number;
}

/**
 * Failed sign-ins counted in PostgreSQL over a sliding 15-minute window, so every control-plane
 * process shares them. An attempt is *reserved* before the password is checked: under
 * advisory locks on the client address and the email, the counts are read and, when allowed,
 * the attempt is recorded as a failure in the same transaction. Concurrent requests therefore
 * see each other, and no more passwords are checked than the limits allow. A correct password
 * releases its reservation.
 *
 * Limits: 5 failures per (email, address) pair lock that pair for the window; 20 per address
 * across emails; and after 5 failures of an email from anywhere, an address that has not signed
 * in to it before waits a backoff (10 s doubling to 5 min) between tries. The owner's own
 * addresses (signed in from within 30 days) are exempt from that backoff, so nobody can lock an
 * owner out from elsewhere; a new address of the owner's waits at most the backoff.
 */
export class LoginRateLimiter {
  constructor(private readonly db: Kysely<Database>) {}

  /** Reserves one attempt for (email, ip), or says how many seconds to wait. */
  reserve(email: string, ip: string): Promise<Reservation> {
    return this.db.transaction().execute(async (tx) => {
      // One order (address, then email) for every transaction: no deadlock between them.
      await sql`SELECT pg_advisory_xact_lock(${LOCK_IP}, hashtext(${ip}))`.execute(tx);
      await sql`SELECT pg_advisory_xact_lock(${LOCK_EMAIL}, hashtext(${email}))`.execute(tx);
      const scopes = { ip: `ip:${ip}`, email: `email:${email}`, pair: `pair:${ip} ${email}` };
      const { counts, now } = await readCounts(tx, Object.values(scopes));
      const known = await isKnown(tx, email, ip);
      const wait = Math.max(
        lockedFor(counts.get(scopes.ip), MAX_FAILURES_PER_IP, now),
        lockedFor(counts.get(scopes.pair), MAX_FAILURES_PER_PAIR, now),
        known ? 0 : backoffFor(counts.get(scopes.email), now),
      );
      if (wait > 0) return { ok: false, retryAfter: Math.max(1, Math.ceil(wait)) };
      const rows = await tx
        .insertInto('login_failures')
        .values(Object.values(scopes).map((scope) => ({ scope })))
        .returning('id')
        .execute();
      return { ok: true, attempt: { email, ip, rowIds: rows.map((r) => r.id) } };
    });
  }

  /** The password was right: the attempt and the pair's failures are cleared, the address known. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('login_failures').where('id', 'in', attempt.rowIds).execute();
      await tx
        .deleteFrom('login_failures')
        .where('scope', '=', `pair:${attempt.ip} ${attempt.email}`)
        .execute();
      await tx
        .insertInto('login_known_addresses')
        .values({ email: attempt.email, ip: attempt.ip })
        .onConflict((oc) => oc.columns(['email', 'ip']).doUpdateSet({ at: sql`now()` }))
        .execute();
    });
  }

  /** The password was wrong: the reservation stays as the failure; expired rows are dropped. */
  async failed(): Promise<void> {
    await this.db
      .deleteFrom('login_failures')
      .where(sql<boolean>`at < now() - make_interval(secs => ${LOGIN_WINDOW_SEC})`)
      .execute();
    await this.db
      .deleteFrom('login_known_addresses')
      .where(sql<boolean>`at < now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})`)
      .execute();
  }
}

async function readCounts(tx: Transaction<Database>, scopes: string[]) {
  const rows = await tx
    .selectFrom('login_failures')
    .select([
      'scope',
      sql<string>`count(*)`.as('n'),
      sql<string>`extract(epoch from min(at))`.as('first'),
      sql<string>`extract(epoch from max(at))`.as('last'),
      sql<string>`extract(epoch from now())`.as('now'),
    ])
    .where('scope', 'in', scopes)
    .where(sql<boolean>`at > now() - make_interval(secs => ${LOGIN_WINDOW_SEC})`)
    .groupBy('scope')
    .execute();
  const counts = new Map<string, Counts>(
    rows.map((r) => [r.scope, { n: Number(r.n), first: Number(r.first), last: Number(r.last) }]),
  );
  const now = rows[0] ? Number(rows[0].now) : Date.now() / 1000;
  return { counts, now };
}

async function isKnown(tx: Transaction<Database>, email: string, ip: string): Promise<boolean> {
  const row = await tx
    .selectFrom('login_known_addresses')
    .select('ip')
    .where('email', '=', email)
    .where('ip', '=', ip)
    .where(sql<boolean>`at > now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})`)
    .executeTakeFirst();
  return row !== undefined;
}

/** Seconds until the oldest failure leaves the window, when `limit` is reached; else 0. */
function lockedFor(counts: Counts | undefined, limit: number, now: number): number {
  if (!counts || counts.n < limit) return 0;
  return counts.first + LOGIN_WINDOW_SEC - now;
}

/** Seconds until the per-email backoff after the last failure has passed; 0 below the threshold. */
function backoffFor(counts: Counts | undefined, now: number): number {
  if (!counts || counts.n < MAX_FAILURES_PER_EMAIL) return 0;
  const delay = Math.min(
    EMAIL_BACKOFF_BASE_SEC * 2 ** (counts.n - MAX_FAILURES_PER_EMAIL),
    EMAIL_BACKOFF_MAX_SEC,
  );
  return counts.last + delay - now;
}
