import { type Kysely, sql } from 'kysely';

/** A strictly increasing sequence for the delivery log: `at` can tie within one transaction tick,
 * and "keep the last 100" must drop exactly the oldest. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries ADD COLUMN seq bigserial`.execute(db);
  await sql`DROP INDEX webhook_deliveries_endpoint_at`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_endpoint_seq ON webhook_deliveries(endpoint_id, seq DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX webhook_deliveries_endpoint_seq`.execute(db);
  await sql`ALTER TABLE webhook_deliveries DROP COLUMN seq`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_endpoint_at ON webhook_deliveries(endpoint_id, at DESC)`.execute(
    db,
  );
}
