import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createControlPlane } from './server.js';

// Composition root: the only place that reads process.env. `main.ts [serve]` runs the API and the
// web app; `main.ts migrate` applies pending migrations and exits (the Kubernetes migration Job).
const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'serve';
  if (command !== 'serve' && command !== 'migrate') {
    throw new ConfigError(`unknown command "${command}" (expected serve or migrate)`);
  }
  const config = loadConfig(process.env, { webDist });
  for (const warning of config.warnings) console.warn(`warning: ${warning}`);
  if (command === 'migrate') return migrate(config);
  const controlPlane = await createControlPlane(config);
  const url = await controlPlane.listen();
  const db = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  console.log(`RelayBox control plane listening on ${url} (${db})`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    controlPlane.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function migrate(config: ReturnType<typeof loadConfig>): Promise<void> {
  const database = await openDatabase(config);
  try {
    const applied = await migrateToLatest(database.db);
    console.log(
      applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date',
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `config error: ${error.message}` : error);
  process.exit(1);
});
