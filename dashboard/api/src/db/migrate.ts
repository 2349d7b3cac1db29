import { type Kysely, type Migration, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_init.js';
import * as m0002 from './migrations/0002_delivery_order.js';
import * as m0003 from './migrations/0003_signup_attempts.js';
import * as m0004 from './migrations/0004_login_known_addresses.js';
import * as m0005 from './migrations/0005_delivery_attempts.js';
import * as m0006 from './migrations/0006_app_auth.js';
import * as m0007 from './migrations/0007_dead_letters.js';
import type { Database } from './schema.js';

/** Every migration, in order. A static list (not a folder scan) so it works the same under tsx,
 * bundlers and tests; add `0002_...` here when adding a file. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_init': m0001,
  '0002_delivery_order': m0002,
  '0003_signup_attempts': m0003,
  '0004_login_known_addresses': m0004,
  '0005_delivery_attempts': m0005,
  '0006_app_auth': m0006,
  '0007_dead_letters': m0007,
};

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

/** Applies pending migrations with Kysely's Migrator (its lock table serialises concurrent starts). */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw new Error(`database migration failed: ${describe(error)}`, { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations this version knows that the database has not applied yet. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
