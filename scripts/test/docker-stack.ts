import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * The compose variables of a docker stack started by the CLI in a test: the local base images
 * scripts/docker-test-images.sh builds (no public registry is reachable), and a platform image tag
 * of the test's own (so the checkout's image, `relaybox-test/platform:dev`, is never replaced).
 */
export const DOCKER_TEST_VARIABLES = {
  NODE_IMAGE: 'relaybox-test/node:24-trixie',
  REDIS_IMAGE: 'relaybox-test/redis:7',
  RABBITMQ_IMAGE: 'relaybox-test/rabbitmq:3',
  NGINX_IMAGE: 'relaybox-test/nginx:1',
  RELAYBOX_PLATFORM_IMAGE: 'relaybox-test/platform:carried',
};

/**
 * The ports a host-network stack of one gateway binds, as offsets from its origin port
 * (compose.yaml `x-relaybox.host-network`: Redis +10, RabbitMQ +20..+24, gateway-1 +101).
 */
const HOST_NETWORK_OFFSETS = [0, 10, 20, 21, 22, 23, 24, 101];

function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** An origin port whose whole host-network block is free right now (every interface). */
export async function freeStackPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const free = await Promise.all(HOST_NETWORK_OFFSETS.map((offset) => portFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free block of ports for a host-network stack');
}

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** What exists with the stack's label: containers, networks and volumes (names). */
export function stackLeftovers(stack: string): {
  containers: string[];
  networks: string[];
  volumes: string[];
} {
  const label = `label=dev.relaybox.stack=${stack}`;
  const lines = (text: string) => text.split('\n').filter(Boolean);
  return {
    containers: lines(docker(['ps', '-a', '--filter', label, '--format', '{{.Names}}'])),
    networks: lines(docker(['network', 'ls', '--filter', label, '--format', '{{.Name}}'])),
    volumes: lines(docker(['volume', 'ls', '--filter', label, '--format', '{{.Name}}'])),
  };
}

/** One label of an image. */
export function imageLabel(image: string, label: string): string {
  return docker(['image', 'inspect', image, '--format', `{{index .Config.Labels ${JSON.stringify(label)}}}`]);
}
