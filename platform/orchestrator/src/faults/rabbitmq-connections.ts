import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OrchestratorError } from '../engine.js';

const run = promisify(execFile);
const TIMEOUT_MS = 10_000;

export interface CloseConnectionsOptions {
  /** The stack's AMQP URL: its host and credentials also reach the management API. */
  amqpUrl: string;
  /** Only connections whose `connection_name` starts with this are closed (the stack's own). */
  namePrefix: string;
  /** Management API base (default `http://<amqp host>:15672`). */
  managementUrl?: string;
}

export interface ClosedConnections {
  closed: number;
  via: 'management-api' | 'rabbitmqctl';
}

/**
 * Closes, from the server side (CONNECTION_FORCED, as an operator would), every RabbitMQ connection
 * of one stack, found by the connection name its gateways give themselves. Other stacks and other
 * clients of the same broker are left alone. Uses the management HTTP API when it answers, else
 * `rabbitmqctl` on this machine; with neither, a `dependency_unavailable` error says how to get one.
 */
export async function closeStackConnections(options: CloseConnectionsOptions): Promise<ClosedConnections> {
  const amqp = new URL(options.amqpUrl);
  const base = options.managementUrl ?? `http://${amqp.hostname}:15672`;
  const user = decodeURIComponent(amqp.username || 'guest');
  const pass = decodeURIComponent(amqp.password || 'guest');
  const auth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  let managementError: string;
  try {
    return { closed: await viaManagement(base, auth, options.namePrefix), via: 'management-api' };
  } catch (error) {
    managementError = (error as Error).message;
  }
  try {
    return { closed: await viaRabbitmqctl(options.namePrefix), via: 'rabbitmqctl' };
  } catch (error) {
    throw new OrchestratorError(
      'dependency_unavailable',
      `cannot drop the stack's RabbitMQ connections: the management API at ${base} failed ` +
        `(${managementError}; enable the rabbitmq_management plugin) and rabbitmqctl failed ` +
        `(${(error as Error).message}; run where rabbitmqctl can reach the broker)`,
      { cause: error },
    );
  }
}

interface ManagementConnection {
  name: string;
  client_properties?: { connection_name?: string };
}

async function viaManagement(base: string, auth: string, prefix: string): Promise<number> {
  const res = await fetch(`${base}/api/connections?columns=name,client_properties`, {
    headers: { authorization: auth },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`GET /api/connections answered ${res.status}`);
  const list = (await res.json()) as ManagementConnection[];
  const ours = list.filter((c) => c.client_properties?.connection_name?.startsWith(prefix));
  for (const connection of ours) {
    const del = await fetch(`${base}/api/connections/${encodeURIComponent(connection.name)}`, {
      method: 'DELETE',
      headers: { authorization: auth, 'x-reason': 'relaybox fault injection' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await del.arrayBuffer();
  }
  return ours.length;
}

async function viaRabbitmqctl(prefix: string): Promise<number> {
  const { stdout } = await run(
    'rabbitmqctl',
    ['list_connections', 'pid', 'client_properties', '-q', '--no-table-headers'],
    { timeout: TIMEOUT_MS },
  );
  // client_properties prints as Erlang terms: {"connection_name","relaybox-..."}.
  const pids = stdout
    .split('\n')
    .filter((line) => {
      const match = /\{"connection_name","([^"]*)"\}/.exec(line);
      return match?.[1]?.startsWith(prefix) ?? false;
    })
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) {
    await run('rabbitmqctl', ['close_connection', pid, 'relaybox fault injection'], { timeout: TIMEOUT_MS });
  }
  return pids.length;
}
