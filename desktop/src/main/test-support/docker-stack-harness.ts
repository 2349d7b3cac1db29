import { createServer } from 'node:net';
import type { RelayBox } from '@relaybox/client';
import { createDockerClient } from '@relaybox/orchestrator';
import { connectSdk } from '../../../test/console-harness.js';
import { type BundleEvent, ofType, type RunningBundle } from './main-bundle-harness.js';

// What the main-bundle tests share to run the app's docker engine against this machine's real
// Docker engine: the environment, a free block of ports, the stack's leftovers, the daemon the app
// runs, and a message through the stack.

export const docker = createDockerClient({});

/**
 * Host networking (this dockerd runs with --bridge=none), the local base images
 * (scripts/docker-test-images.sh), the stack's name and a platform image tag of the test's own.
 */
export function dockerStackEnv(stack: string, platformImage: string): Record<string, string> {
  return {
    RELAYBOX_DOCKER_NETWORK: 'host',
    RELAYBOX_STACK: stack,
    NODE_IMAGE: 'relaybox-test/node:24-trixie',
    REDIS_IMAGE: 'relaybox-test/redis:7',
    RABBITMQ_IMAGE: 'relaybox-test/rabbitmq:3',
    NGINX_IMAGE: 'relaybox-test/nginx:1',
    RELAYBOX_PLATFORM_IMAGE: platformImage,
  };
}

// What a host-network stack of two gateways binds, from its origin port (compose.yaml x-relaybox).
const HOST_NETWORK_OFFSETS = [0, 10, 20, 21, 22, 23, 24, 101, 102];

function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

export async function freeStackPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await Promise.all(HOST_NETWORK_OFFSETS.map((o) => portFree(base + o)))).every(Boolean)) return base;
  }
  throw new Error('no free block of ports for a host-network stack');
}

export interface StackLeftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** The containers (names with their leading `/`), networks and volumes labelled with the stack. */
export async function leftovers(stack: string): Promise<StackLeftovers> {
  const label = [`dev.relaybox.stack=${stack}`];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  const networks = await docker.listNetworks({ filters: { label } });
  const { Volumes } = await docker.listVolumes({ filters: { label } });
  return {
    containers: containers.flatMap((c) => c.Names),
    networks: networks.map((n) => n.Name),
    volumes: (Volumes ?? []).map((v) => v.Name),
  };
}

/** The stack's services by container name, sorted (`gateway-1`, ..., `worker`). */
export async function services(stack: string): Promise<string[]> {
  return (await leftovers(stack)).containers.map((n) => n.replace(`/${stack}-`, '')).sort();
}

export const ALL_SERVICES = ['gateway-1', 'gateway-2', 'nginx', 'rabbitmq', 'redis', 'worker'];

export async function removeStack(stack: string): Promise<void> {
  const left = await leftovers(stack);
  await Promise.allSettled(
    left.containers.map((n) => docker.getContainer(n.replace(/^\//, '')).remove({ force: true })),
  );
  await Promise.allSettled(left.networks.map((n) => docker.getNetwork(n).remove()));
  await Promise.allSettled(left.volumes.map((n) => docker.getVolume(n).remove()));
}

export interface AppDaemon {
  daemonUrl: string;
  headers: { authorization: string };
  /** The stack's origin and dev API key, as the daemon tells the console. */
  connection: { origin: string; devApiKey: string };
}

/** The daemon the app runs, as its console frame gets it over IPC (`console:connection`). */
export async function daemonOf(app: RunningBundle, loaded: BundleEvent): Promise<AppDaemon> {
  const before = app.events.length;
  app.send({ cmd: 'ipc', channel: 'console:connection', args: [], url: loaded.url });
  const { value } = (await app.next(ofType('ipc-result'), before)).result as {
    value: { daemonUrl: string; secret: string };
  };
  const headers = { authorization: `Bearer ${value.secret}` };
  const res = await fetch(`${value.daemonUrl}/api/stack/connection`, { headers });
  const connection = (await res.json()) as AppDaemon['connection'];
  return { daemonUrl: value.daemonUrl, headers, connection };
}

/**
 * Two SDK clients on the stack's origin: one publishes until the other receives (another gateway's
 * binding may trail the first ack). Resolves with what the receiver got; closes both.
 */
export async function deliverMessage(
  connection: AppDaemon['connection'],
  room: string,
  text: string,
): Promise<unknown[]> {
  const clients: RelayBox[] = [];
  try {
    const alice = await connectSdk(connection.origin, connection.devApiKey, 'alice');
    clients.push(alice);
    const bob = await connectSdk(connection.origin, connection.devApiKey, 'bob');
    clients.push(bob);
    const got: unknown[] = [];
    (await bob.join(room)).subscribe('note', (msg) => got.push(msg.data));
    const aliceRoom = await alice.join(room);
    const deadline = Date.now() + 30_000;
    while (!got.includes(text) && Date.now() < deadline) {
      await aliceRoom.publish('note', text).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return got;
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}

/** The console's Stop (`down`) or Start (`up`) through the app's daemon: the stack's status after it. */
export async function controlStack(
  daemon: AppDaemon,
  action: 'up' | 'down',
): Promise<{ state: string; endpoints: { origin: string } }> {
  const res = await fetch(`${daemon.daemonUrl}/api/stack/${action}`, {
    method: 'POST',
    headers: { ...daemon.headers, 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`${action}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { state: string; endpoints: { origin: string } };
}
