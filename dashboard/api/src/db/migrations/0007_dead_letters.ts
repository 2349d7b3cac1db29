import { type Kysely, sql } from 'kysely';

/**
 * The dashboard's dead-letter list: a mirror of the gateways' shared Redis lists, reported by their
 * webhook workers (a letter is named by endpoint, event id and when it was given up), and the
 * requeue requests the dashboard hands to the gateways (answered by the one that queued it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE webhook_dead_letters (
    seq bigserial PRIMARY KEY,
    app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    endpoint_id text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id text NOT NULL,
    type text NOT NULL,
    attempts integer NOT NULL,
    reason text NOT NULL,
    last_status integer,
    last_error text,
    failed_at timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id, failed_at)
  )`.execute(db);
  await sql`CREATE INDEX webhook_dead_letters_app_seq ON webhook_dead_letters(app_id, seq DESC)`.execute(db);
  await sql`CREATE INDEX webhook_dead_letters_endpoint_seq ON webhook_dead_letters(endpoint_id, seq DESC)`.execute(
    db,
  );
  await sql`CREATE TABLE webhook_requeues (
    id text PRIMARY KEY,
    app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    endpoint_id text NOT NULL,
    event_id text NOT NULL,
    outcome text,
    job_id text,
    not_found integer NOT NULL DEFAULT 0,
    failure text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE webhook_requeues`.execute(db);
  await sql`DROP TABLE webhook_dead_letters`.execute(db);
}
