import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pendingMigrations } from '../db/migrate.js';
import type { Services } from '../services.js';

/** Bound of one readiness check: a database that does not answer in time counts as down. */
export const READY_CHECK_TIMEOUT_MS = 2000;

/**
 * Probes for load balancers and Kubernetes (JSON, never the web app's HTML):
 * - `GET /health` (liveness): 200 while the process answers; it ignores the database, whose outage
 *   a restart would not fix.
 * - `GET /ready` (readiness): 200 when the database answers within READY_CHECK_TIMEOUT_MS, every
 *   migration is applied (a new version waits for the migration Job) and the process is not
 *   stopping; else 503 with the reason.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  services: Services,
  stopping: () => boolean,
): void {
  app.get('/health', async () => ({ status: 'alive' }));
  app.get('/ready', async (_request, reply) => {
    const reason = stopping() ? 'stopping' : await databaseProblem(services);
    if (reason) return reply.status(503).send({ status: 'unready', reason });
    return { status: 'ready' };
  });
}

async function databaseProblem(services: Services): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('database timeout'), READY_CHECK_TIMEOUT_MS);
  });
  const check = (async () => {
    await sql`SELECT 1`.execute(services.db);
    const pending = await pendingMigrations(services.db);
    return pending.length > 0 ? `pending migrations: ${pending.join(', ')}` : null;
  })().catch((error: unknown) => `database unavailable: ${error instanceof Error ? error.message : error}`);
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
