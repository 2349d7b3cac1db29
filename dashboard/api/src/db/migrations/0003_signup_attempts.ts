import { type Kysely, sql } from 'kysely';

/** Signups per client IP, for the signup rate limit (auth/signup-rate-limiter.ts). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE signup_attempts (
    id bigserial PRIMARY KEY,
    ip text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE INDEX signup_attempts_ip_at ON signup_attempts(ip, at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS signup_attempts`.execute(db);
}
