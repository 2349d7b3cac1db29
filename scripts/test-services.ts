// Vitest global setup of the integration project: the tests talk to a real Redis and RabbitMQ.
// If one is not answering, start it when its server is installed (as on the CI machine), else stop
// with instructions instead of letting every test time out.
import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { connect as connectAmqp } from 'amqplib';
import { isThisRunsName } from '../platform/core/src/testing/test-run.js';

interface Service {
  name: string;
  port: number;
  start: [string, string[]];
  install: string;
}

const SERVICES: Service[] = [
  {
    name: 'Redis',
    port: 6379,
    start: [
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'],
    ],
    install: 'apt-get install -y redis-server (or brew install redis)',
  },
  {
    name: 'RabbitMQ',
    port: 5672,
    start: ['rabbitmq-server', ['-detached']],
    install: 'apt-get install -y rabbitmq-server (or brew install rabbitmq)',
  },
];

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function ensure(service: Service): Promise<void> {
  if (await reachable(service.port)) return;
  const [command, args] = service.start;
  const found = spawnSync('which', [command]).status === 0;
  if (!found) {
    throw new Error(
      `${service.name} is not running on 127.0.0.1:${service.port} and is not installed. Install it (${service.install}) or run .ci/run, which does.`,
    );
  }
  execFileSync(command, args, { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!(await reachable(service.port))) {
    if (Date.now() > deadline) throw new Error(`${service.name} did not start within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

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
  for (const service of SERVICES) await ensure(service);
  return () => deleteTestExchanges().catch(() => {});
}
