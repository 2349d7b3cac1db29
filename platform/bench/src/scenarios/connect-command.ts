import type { Cluster } from '../cluster.js';
import type { ClientKind } from '../load/client-socket.js';
import type { ConnectTarget, Role } from '../load/connection.js';
import type { ConnectCommand } from '../load/load-worker.js';
import { takeLocalAddresses } from '../local-addresses.js';

/** Source addresses each worker spreads its sockets over, fresh ones for every command. */
const ADDRESSES_PER_WORKER = 4;

export function connectCommand(
  cluster: Cluster,
  role: Role,
  targets: ConnectTarget[],
  client: ClientKind,
  limits: { concurrency: number; timeoutMs: number },
): ConnectCommand {
  const command: ConnectCommand = {
    cmd: 'connect',
    protocol: cluster.spec.protocol,
    role,
    targets,
    localAddresses: takeLocalAddresses(ADDRESSES_PER_WORKER),
    concurrency: limits.concurrency,
    timeoutMs: limits.timeoutMs,
    client,
  };
  if (cluster.apiKey) command.apiKey = cluster.apiKey;
  return command;
}
