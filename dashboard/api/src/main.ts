import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { createControlPlane } from './server.js';

// Composition root: the only place that reads process.env.
const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));

async function main(): Promise<void> {
  const config = loadConfig(process.env, { webDist });
  for (const warning of config.warnings) console.warn(`warning: ${warning}`);
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

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `config error: ${error.message}` : error);
  process.exit(1);
});
