import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect } from 'amqplib';

const run = promisify(execFile);

/** Where the integration tests find RabbitMQ. */
export const RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Test-only helpers acting on the local RabbitMQ the way an operator would: `rabbitmqctl` (tests run
 * as root next to the server) and a plain amqplib connection.
 */
export const RabbitmqAdmin = {
  uniqueName(kind: string): string {
    return `relaybox.test.${kind}.${randomBytes(5).toString('hex')}`;
  },

  async deleteExchange(exchange: string): Promise<void> {
    const model = await connect(RABBITMQ_URL);
    try {
      const channel = await model.createChannel();
      await channel.deleteExchange(exchange);
    } finally {
      await model.close();
    }
  },

  async exchangeExists(exchange: string): Promise<boolean> {
    const { stdout } = await run('rabbitmqctl', ['list_exchanges', 'name', '-q', '--no-table-headers']);
    return stdout.split('\n').includes(exchange);
  },

  /** Server-side pids of the connections whose client named them `connectionName`. */
  async connectionPids(connectionName: string): Promise<string[]> {
    const { stdout } = await run('rabbitmqctl', [
      'list_connections',
      'pid',
      'client_properties',
      '-q',
      '--no-table-headers',
    ]);
    return stdout
      .split('\n')
      .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
      .map((line) => line.split('\t')[0]!);
  },

  /** Closes the named connections from the server side (CONNECTION_FORCED), as an operator would. */
  async closeConnections(connectionName: string): Promise<number> {
    const pids = await RabbitmqAdmin.connectionPids(connectionName);
    for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test']);
    return pids.length;
  },
};
