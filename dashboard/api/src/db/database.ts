import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './schema.js';

/** One database handle: Kysely plus, on PostgreSQL, what LISTEN/NOTIFY needs. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  /** PostgreSQL only: the URL for a dedicated LISTEN connection. */
  readonly databaseUrl: string | null;
  close(): Promise<void>;
}

/** PostgreSQL when a URL is given, else embedded PGlite persisted in `dataDir/pgdata`. */
export async function openDatabase(options: {
  databaseUrl: string | null;
  dataDir: string;
}): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle client that loses its connection (server restart, terminated backend) is dropped
    // from the pool by pg and the next query opens a new one; without a listener the error
    // would crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', databaseUrl: options.databaseUrl, close: () => db.destroy() };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const lite = await PGlite.create({ dataDir: `${options.dataDir}/pgdata` });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
  return {
    db,
    kind: 'pglite',
    databaseUrl: null,
    close: async () => {
      await db.destroy();
      if (!lite.closed) await lite.close();
    },
  };
}
