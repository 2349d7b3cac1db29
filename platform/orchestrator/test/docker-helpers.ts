import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelayBox } from '@relaybox/client';
import Docker from 'dockerode';
import { DockerEngine, type DockerEngineOptions } from '../src/docker/docker-engine.js';

/**
 * Shared by the docker-engine integration tests. This machine's dockerd runs with
 * `--bridge=none`, so stacks use host networking; the base images are the local ones
 * scripts/docker-test-images.sh builds (no registry is reachable).
 */
export const TEST_IMAGES: Record<string, string> = {
  NODE_IMAGE: 'relaybox-test/node:24-trixie',
  REDIS_IMAGE: 'relaybox-test/redis:7',
  RABBITMQ_IMAGE: 'relaybox-test/rabbitmq:3',
  NGINX_IMAGE: 'relaybox-test/nginx:1',
  RELAYBOX_PLATFORM_IMAGE: 'relaybox-test/platform:dev',
};

export const NodeWebSocket = createRequire(import.meta.resolve('@relaybox/client'))('ws') as unknown;

export const docker = new Docker();

export function uniqueStack(): string {
  return `rbtest-${randomBytes(3).toString('hex')}`;
}

export function devApiKey(): string {
  return process.env.RELAYBOX_DEV_API_KEY ?? `dev.default:${randomBytes(24).toString('base64url')}`;
}

export function testEngine(stack: string, options: DockerEngineOptions = {}): DockerEngine {
  return new DockerEngine({
    stack,
    network: 'host',
    variables: TEST_IMAGES,
    healthTimeoutMs: 120_000,
    ...options,
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'relaybox-docker-'));
}

export async function client(url: string, apiKey: string, clientId: string): Promise<RelayBox> {
  const relay = new RelayBox({
    url,
    apiKey,
    clientId,
    WebSocket: NodeWebSocket as never,
    minReconnectDelayMs: 100,
    maxReconnectDelayMs: 500,
  });
  await relay.connect();
  return relay;
}

/** What the engine left behind with this stack's label. */
export async function leftovers(
  stack: string,
): Promise<{ containers: number; networks: number; volumes: string[] }> {
  const label = [`dev.relaybox.stack=${stack}`];
  const containers = await docker.listContainers({ all: true, filters: { label } });
  const networks = await docker.listNetworks({ filters: { label } });
  const { Volumes } = await docker.listVolumes({ filters: { label } });
  return {
    containers: containers.length,
    networks: networks.length,
    volumes: (Volumes ?? []).map((v) => v.Name),
  };
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** GET /v1/health on a new connection each time (a kept-alive one would stay on one upstream). */
export function health(port: number): Promise<{ nodeId: string; connections: number }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/v1/health', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as { nodeId: string; connections: number });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
  });
}
