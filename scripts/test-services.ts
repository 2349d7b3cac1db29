// Vitest global setup of the integration project: the tests talk to a real Redis, RabbitMQ and
// PostgreSQL. The same preflight as `npm test` (preflight.mjs) makes sure they answer, starting or
// installing them where it can, so `vitest run` alone behaves like the test command; otherwise it
// stops with the list of what is missing instead of letting every test time out.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect as connectAmqp } from 'amqplib';
import { isThisRunsName } from '../platform/core/src/testing/test-run.js';
import { formatMissing, preflight, systemProbe } from './preflight.mjs';
import { testRequirements } from './test-requirements.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVICES = ['redis', 'rabbitmq', 'postgres'];

/**
 * Exchanges this run's tests declared (durable, named by `testName('test.…')`): removed once the whole
 * run is over. Another run's exchanges on the same RabbitMQ are left alone.
 */
async function deleteTestExchanges(): Promise<void> {
  const listed = spawnSync('rabbitmqctl', ['list_exchanges', 'name', '-q', '--no-table-headers']);
  if (listed.status !== 0) return;
  const names = listed.stdout
    .toString()
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith('test.') && isThisRunsName(name));
  if (names.length === 0) return;
  const connection = await connectAmqp('amqp://guest:guest@127.0.0.1:5672');
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteExchange(name);
  } finally {
    await connection.close();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const probe = systemProbe();
  const services = testRequirements(ROOT).filter((r) => SERVICES.includes(r.id));
  const missing = await preflight(services, probe);
  if (missing.length > 0) throw new Error(formatMissing(missing, probe));
  return () => deleteTestExchanges().catch(() => {});
}
