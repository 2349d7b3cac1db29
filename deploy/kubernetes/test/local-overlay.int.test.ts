import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RelayBox } from '@relaybox/client';
import { ensureImage, type ServiceDefinition } from '@relaybox/orchestrator';
import { API_KEY_PROTOCOL_PREFIX, DEFAULT_LIMITS, ErrorCode, PROTOCOL } from '@relaybox/protocol';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ControlPlaneClient } from './control-plane-client.js';
import { DockerCluster, type Pod, waitFor } from './docker-cluster.js';
import { KUBERNETES_DIR, render } from './render.js';
import { ServiceProxy } from './service-proxy.js';

// The rendered `local` overlay, end to end on this machine's Docker engine (docker-cluster.ts says
// what stands in for Kubernetes and why): the migration Job, the control plane, two gateways,
// three workers, Redis, RabbitMQ and PostgreSQL, with exactly the rendered images, args, env and
// probes. The only change to the overlay is where its images come from (no registry here): a
// kustomization on top of it maps them to the locally built ones, as `kustomize edit set image`
// would. Clients reach the gateways through a kube-proxy stand-in for the gateway Service.
const docker = new Docker();
const ROOT = join(KUBERNETES_DIR, '..', '..');
// Node.js 24 (the current LTS) on Debian 13, as the Dockerfiles' defaults (node:24-trixie-slim).
const NODE_IMAGE = process.env.RELAYBOX_TEST_NODE_IMAGE ?? 'relaybox-test/node:24-trixie';
const NODE_MAJOR = /node:(\d+)/.exec(NODE_IMAGE)?.[1] ?? '24';
const IMAGES = {
  platform: 'relaybox-test/platform:dev',
  controlPlane: 'relaybox-test/control-plane:dev',
  redis: 'relaybox-test/redis:7',
  rabbitmq: 'relaybox-test/rabbitmq:3',
  postgres: 'relaybox-test/postgres:15',
};

const MIN_MESSAGES = 1000;
const MAX_MESSAGES = 20_000;
let cluster: DockerCluster;
let gatewayService: ServiceProxy;
let controlPlaneService: ServiceProxy;
let controlPlane: ControlPlaneClient;
let appId: string;
const closers: Array<() => Promise<unknown>> = [];

async function buildImage(image: string, dockerfile: string): Promise<void> {
  const service = { name: image, image, build: { context: ROOT, dockerfile, args: { NODE_IMAGE } } };
  await ensureImage(docker, service as unknown as ServiceDefinition, {
    networkMode: 'host',
    onProgress: () => {},
  });
}

/** The local overlay with its image names pointed at this machine's images. */
async function renderLocalOverlay() {
  const dir = mkdtempSync(join(tmpdir(), 'rbk8s-overlay-'));
  try {
    const image = (from: string, to: string) => {
      const [newName, newTag] = to.split(':');
      return `  - name: ${from}\n    newName: ${newName}\n    newTag: "${newTag}"`;
    };
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        // kustomize takes bases by relative path only.
        `  - ${relative(dir, join(KUBERNETES_DIR, 'overlays', 'local'))}`,
        'images:',
        image('relaybox/platform', IMAGES.platform),
        image('relaybox/control-plane', IMAGES.controlPlane),
        image('redis', IMAGES.redis),
        image('rabbitmq', IMAGES.rabbitmq),
        image('postgres', IMAGES.postgres),
        '',
      ].join('\n'),
    );
    return await render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Up to 10 min: a cold build of both images (a new base image) on a loaded 2-core machine takes
// several minutes; the images are reused while their build context is unchanged.
beforeAll(async () => {
  for (const base of [NODE_IMAGE, IMAGES.redis, IMAGES.rabbitmq, IMAGES.postgres]) {
    await docker
      .getImage(base)
      .inspect()
      .catch(() => {
        throw new Error(`image ${base} is missing: run scripts/docker-test-images.sh`);
      });
  }
  const t0 = Date.now();
  await buildImage(IMAGES.platform, 'platform/Dockerfile');
  await buildImage(IMAGES.controlPlane, 'dashboard/Dockerfile');
  const t1 = Date.now();
  const objects = await renderLocalOverlay();
  cluster = await DockerCluster.start(docker, objects);
  closers.push(() => cluster.stop());
  await cluster.waitJob('relaybox-migrate', 120_000);
  await cluster.waitReady('relaybox-control-plane', 2, 120_000);
  await cluster.waitReady('relaybox-gateway', 2, 120_000);
  console.log(
    `[k8s] images ready in ${Date.now() - t0 - (Date.now() - t1)} ms; ${cluster.pods.size} pods of the local ` +
      `overlay up (migrated, control plane and gateways ready) ${Date.now() - t1} ms later`,
  );
  gatewayService = await ServiceProxy.start(() => cluster.endpoints('relaybox-gateway'));
  controlPlaneService = await ServiceProxy.start(() => cluster.endpoints('relaybox-control-plane'));
  closers.push(
    () => gatewayService.close(),
    () => controlPlaneService.close(),
  );
  controlPlane = new ControlPlaneClient(`http://127.0.0.1:${controlPlaneService.port}`);
  await controlPlane.signup();
  appId = await controlPlane.createApp('k8s-local-overlay');
}, 600_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

interface AuthReply {
  user: { id: string };
  session: { accessToken: string };
}

function client(url: string, apiKey: string, clientId: string): RelayBox {
  const relay = new RelayBox({
    url,
    apiKey,
    clientId,
    WebSocket: WebSocket as never,
    minReconnectDelayMs: 100,
    maxReconnectDelayMs: 500,
  });
  closers.push(() => relay.close());
  return relay;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const podUrl = (pod: Pod) => `ws://${pod.ip}:9001/v1/ws`;

/** A raw upgrade with the API key: true when the gateway accepts it, false on an HTTP refusal. */
function accepted(url: string, apiKey: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const key = API_KEY_PROTOCOL_PREFIX + Buffer.from(apiKey).toString('base64url');
    const ws = new WebSocket(url, [PROTOCOL, key]);
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(false);
    });
    ws.once('error', reject);
  });
}

/** Runs a command in a pod's container; resolves its stdout. */
async function execIn(pod: Pod, cmd: string[]): Promise<string> {
  const exec = await pod.container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const sink = { write: (chunk: Buffer) => out.push(chunk) } as unknown as NodeJS.WritableStream;
  docker.modem.demuxStream(stream, sink, { write: () => true } as unknown as NodeJS.WritableStream);
  await new Promise((resolve) => stream.on('end', resolve));
  return Buffer.concat(out).toString('utf8');
}

describe('the local overlay on the Docker engine', () => {
  it(`runs Node.js ${NODE_MAJOR} on Debian 13, the gateways on the uWebSockets.js 20.57 build`, async () => {
    const probe = `console.log(process.versions.node, /VERSION_CODENAME=(\\w+)/.exec(require('fs').readFileSync('/etc/os-release', 'utf8'))[1])`;
    for (const workload of ['relaybox-gateway', 'relaybox-control-plane', 'relaybox-worker-history']) {
      const [pod] = cluster.podsOf(workload);
      expect(pod, workload).toBeDefined();
      const [node, codename] = (await execIn(pod!, ['node', '-e', probe])).trim().split(' ');
      expect(node?.split('.')[0], workload).toBe(NODE_MAJOR);
      expect(codename, workload).toBe('trixie');
    }
    for (const pod of cluster.podsOf('relaybox-gateway')) {
      const buffer = (await pod.container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      const loaded = buffer
        .toString('utf8')
        .split('\n')
        .map((line) => /\{.*\}/.exec(line)?.[0])
        .flatMap((json) => (json === undefined ? [] : [JSON.parse(json) as Record<string, unknown>]))
        .find((entry) => entry.msg === 'uWebSockets.js loaded');
      expect(loaded, pod.plan.name).toMatchObject({ version: '20.57.0', package: 'uWebSockets.js' });
    }
  });

  it('a message published on one gateway reaches a subscriber on the other', async () => {
    const { apiKey } = await controlPlane.createKey(appId);
    const [a, b] = cluster.podsOf('relaybox-gateway');
    const subscriber = client(podUrl(a!), apiKey, 'sub-a');
    const publisher = client(podUrl(b!), apiKey, 'pub-b');
    await Promise.all([subscriber.connect(), publisher.connect()]);
    const subscribed = await subscriber.join('k8s:cross');
    const received: unknown[] = [];
    subscribed.subscribe('hello', (msg) => received.push(msg.data));
    const room = await publisher.join('k8s:cross');
    // The subscription reaches gateway A asynchronously: publish until the first message crosses.
    const first = await waitFor(
      async () => {
        await room.publish('hello', { from: b!.plan.name });
        return received[0];
      },
      'a message across the two gateways',
      15_000,
    );
    expect(first).toEqual({ from: b!.plan.name });
    expect(a!.plan.name).not.toBe(b!.plan.name);
  });

  it("an app's end user signs up on one gateway, signs in on the other and connects (users in the overlay's PostgreSQL)", async () => {
    await controlPlane.enableAuth(appId, { 'k8s:>': ['subscribe', 'publish'] });
    const [a, b] = cluster.podsOf('relaybox-gateway');
    const http = (pod: Pod) => `http://${pod.ip}:9001`;
    const email = `user-${Date.now()}@example.com`;
    const call = async (pod: Pod, action: string) => {
      const res = await fetch(`${http(pod)}/v1/auth/${appId}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery staple' }),
      });
      return { status: res.status, body: (await res.json()) as AuthReply };
    };
    // The settings reach the gateways through the control plane's push: sign up once they have them.
    const up = await waitFor(
      async () => {
        const reply = await call(a!, 'signup');
        return reply.status === 404 ? undefined : reply;
      },
      'the user pool on the gateways',
      10_000,
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const signedIn = await call(b!, 'signin');
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    expect(signedIn.body.user.id).toBe(up.body.user.id);
    const relay = new RelayBox({
      url: podUrl(b!),
      token: signedIn.body.session.accessToken,
      WebSocket: WebSocket as never,
    });
    closers.push(() => relay.close());
    await relay.connect();
    expect(relay.clientId).toBe(up.body.user.id);
    await (await relay.join('k8s:users')).publish('hi', 1);
  });

  it('a key revoked in the control plane is refused by both gateways within 5 s', async () => {
    const { keyId, apiKey } = await controlPlane.createKey(appId);
    const gateways = cluster.podsOf('relaybox-gateway');
    for (const gw of gateways) expect(await accepted(podUrl(gw), apiKey)).toBe(true);
    const revokedAt = Date.now();
    await controlPlane.revokeKey(appId, keyId);
    const delay = await waitFor(
      async () => {
        const results = await Promise.all(gateways.map((gw) => accepted(podUrl(gw), apiKey)));
        return results.every((ok) => !ok) ? Date.now() - revokedAt : undefined;
      },
      'revoked key refused by every gateway',
      10_000,
    );
    console.log(`[k8s] revoke → refused by ${gateways.length} gateways after ${delay} ms`);
    expect(delay).toBeLessThan(5000);
  });

  it('a rolling restart of the gateways under a live stream loses and duplicates no message', async () => {
    const { apiKey } = await controlPlane.createKey(appId);
    const url = `ws://127.0.0.1:${gatewayService.port}/v1/ws`;
    const subscriber = client(url, apiKey, 'stream-sub');
    const publisher = client(url, apiKey, 'stream-pub');
    const reconnects = { sub: 0, pub: 0 };
    subscriber.connection.on('statechange', ({ current }) => current === 'connected' && reconnects.sub++);
    publisher.connection.on('statechange', ({ current }) => current === 'connected' && reconnects.pub++);
    await Promise.all([subscriber.connect(), publisher.connect()]);
    const counts = new Map<number, number>();
    const seqs: number[] = [];
    const room = await subscriber.join('k8s:stream');
    room.subscribe('m', (msg) => {
      const i = (msg.data as { i: number }).i;
      counts.set(i, (counts.get(i) ?? 0) + 1);
      seqs.push(msg.seq);
    });
    let warm = false;
    room.subscribe('warmup', () => {
      warm = true;
    });
    const pubRoom = await publisher.join('k8s:stream');
    // The subscription reaches its gateway asynchronously: the stream starts once one warm-up crossed.
    await waitFor(
      async () => {
        await pubRoom.publish('warmup', null);
        return warm ? true : undefined;
      },
      'subscription live',
      15_000,
    );
    const oldPods = cluster.podsOf('relaybox-gateway').map((p) => p.plan.name);
    let rolledOut = false;
    let published = 0;
    let retries = 0;
    // The app's publisher, paced under the per-connection publish rate (DEFAULT_LIMITS: 50/s): each
    // message has an idempotency key, and a publish that fails because its connection was closed
    // (4000) is retried with the same key once the SDK is connected again.
    const intervalMs = 1000 / (DEFAULT_LIMITS.publishRatePerSecond * 0.8);
    const stream = (async () => {
      const startedAt = Date.now();
      while (!(rolledOut && published >= MIN_MESSAGES) && published < MAX_MESSAGES) {
        for (let attempt = 0; ; attempt++) {
          try {
            await pubRoom.publish('m', { i: published }, { idempotencyKey: `m-${published}` });
            break;
          } catch (error) {
            if (attempt >= 50) throw error;
            retries++;
            if ((error as { code?: string }).code === ErrorCode.RateLimited) await sleep(1000);
            else
              await waitFor(
                () => (publisher.connection.state === 'connected' ? true : undefined),
                'publisher back',
                30_000,
              );
          }
        }
        published++;
        await sleep(startedAt + published * intervalMs - Date.now());
      }
    })();
    // Rethrown where it is awaited; until then a failure must not surface as unhandled.
    stream.catch(() => undefined);
    await waitFor(() => (published >= 100 ? true : undefined), '100 messages before the rollout', 30_000);
    const started = Date.now();
    const replaced = await cluster.rolloutRestart('relaybox-gateway', 120_000);
    const rolloutMs = Date.now() - started;
    rolledOut = true;
    await stream;
    await waitFor(
      () => (counts.size >= published ? true : undefined),
      `all ${published} messages delivered`,
      30_000,
    );
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const missing = Array.from({ length: published }, (_, i) => i).filter((i) => !counts.has(i));
    console.log(
      `[k8s] rolling restart of ${replaced.length} gateways in ${rolloutMs} ms under ${published} messages: ` +
        `missing ${missing.length}, duplicated ${duplicates}, publish retries ${retries}, ` +
        `reconnects sub ${reconnects.sub - 1} pub ${reconnects.pub - 1}, ` +
        `connections per gateway pod ${JSON.stringify(Object.fromEntries(gatewayService.connections))}`,
    );
    expect(replaced).toEqual(oldPods);
    expect(published).toBeGreaterThanOrEqual(MIN_MESSAGES);
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    // Every client was on a gateway that went away, so each moved at least once.
    expect(reconnects.sub).toBeGreaterThanOrEqual(2);
    expect(reconnects.pub).toBeGreaterThanOrEqual(2);
    const now = cluster.podsOf('relaybox-gateway');
    expect(now.filter((p) => oldPods.includes(p.plan.name))).toEqual([]);
    expect(now.every((p) => p.livenessRestarts === 0)).toBe(true);
  }, 180_000);
});
