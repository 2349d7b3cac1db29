import { type Kysely, sql } from 'kysely';

/**
 * The delivery log holds real deliveries too (reported by the gateways' webhook workers), not only
 * "send test event" calls: which kind, the event id and the try.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries ADD COLUMN kind text NOT NULL DEFAULT 'test'`.execute(db);
  await sql`ALTER TABLE webhook_deliveries ADD COLUMN event_id text`.execute(db);
  await sql`ALTER TABLE webhook_deliveries ADD COLUMN attempt integer`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries DROP COLUMN attempt`.execute(db);
  await sql`ALTER TABLE webhook_deliveries DROP COLUMN event_id`.execute(db);
  await sql`ALTER TABLE webhook_deliveries DROP COLUMN kind`.execute(db);
}
