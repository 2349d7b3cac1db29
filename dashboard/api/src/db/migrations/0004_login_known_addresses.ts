import { type Kysely, sql } from 'kysely';

/** Addresses each email signed in from, exempt from the per-email login backoff (auth/login-rate-limiter.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE login_known_addresses (
    email text NOT NULL,
    ip text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email, ip)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS login_known_addresses`.execute(db);
}
