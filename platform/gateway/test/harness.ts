import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testName } from '@relaybox/core/testing';
import type { AckFrame, ErrorFrame, Limits, ServerFrame } from '@relaybox/protocol';
import { API_KEY_PROTOCOL_PREFIX, PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@relaybox/protocol';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { type RunningGateway, type StartOverrides, startGateway } from '../src/start-gateway.js';

/** Two isolated apps; alpha has a full key and a restricted one. */
export const ALPHA_FULL = { appId: 'alpha', keyId: 'full', secret: 'alpha-full-secret-001' };
export const ALPHA_LIMITED = { appId: 'alpha', keyId: 'limited', secret: 'alpha-limited-secret-01' };
export const BETA = { appId: 'beta', keyId: 'main', secret: 'beta-main-secret-00001' };
export const apiKeyOf = (k: { appId: string; keyId: string; secret: string }) =>
  `${k.appId}.${k.keyId}:${k.secret}`;

export function writeAppsFile(alphaWebhooks: unknown[] = [], betaHistory?: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-gw-'));
  const file = join(dir, 'apps.json');
  writeFileSync(
    file,
    JSON.stringify({
      apps: [
        {
          id: 'alpha',
          keys: [
            { id: 'full', secret: ALPHA_FULL.secret },
            {
              id: 'limited',
              secret: ALPHA_LIMITED.secret,
              permissions: { 'public:>': ['subscribe'], 'chat:*': ['subscribe', 'publish'] },
            },
          ],
          ...(alphaWebhooks.length > 0 ? { webhooks: alphaWebhooks } : {}),
        },
        {
          id: 'beta',
          keys: [{ id: 'main', secret: BETA.secret }],
          ...(betaHistory ? { history: betaHistory } : {}),
        },
      ],
    }),
  );
  return file;
}

export interface TestGatewayOptions {
  broker?: 'memory' | 'amqp';
  store?: 'memory' | 'redis';
  exchange?: string;
  amqpUrl?: string;
  redisPrefix?: string;
  /** The Redis of `store: 'redis'`: `redis://...`, or a Redis Cluster as `redis+cluster://host:port,...`. */
  redisUrl?: string;
  limits?: Partial<Limits>;
  heartbeatMs?: number;
  idleTimeoutSec?: number;
  nodeId?: string;
  overrides?: StartOverrides;
  /** Extra RELAYBOX_* variables. */
  env?: Record<string, string>;
  /** Webhook endpoints of app alpha (apps file format). */
  webhooks?: unknown[];
  /** History retention of app beta (apps file format). */
  betaHistory?: object;
}

/** Unique per call and tagged with this test run (see `testName`). */
export const uniqueName = testName;

/**
 * A real gateway in this process on a random port, configured like `main.ts` would from the env. Its
 * data dir (auth secret, the embedded engine's user store...) is a temp dir of its own, removed at
 * shutdown, unless the test passes `RELAYBOX_DATA_DIR`.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<RunningGateway> {
  const env: Record<string, string> = {
    RELAYBOX_PORT: '0',
    RELAYBOX_BROKER: options.broker ?? 'memory',
    RELAYBOX_STORE: options.store ?? 'memory',
    RELAYBOX_CONFIG: writeAppsFile(options.webhooks, options.betaHistory),
    RELAYBOX_LOG_LEVEL: 'silent',
    RELAYBOX_AMQP_EXCHANGE: options.exchange ?? uniqueName('test.fanout'),
    RELAYBOX_REDIS_PREFIX: options.redisPrefix ?? `${uniqueName('test')}:`,
    RELAYBOX_NODE_ID: options.nodeId ?? uniqueName('gw'),
    RELAYBOX_LIMITS: JSON.stringify(options.limits ?? {}),
    RELAYBOX_CURSOR_SECRET: 'test-cursor-secret-shared-by-all-test-gateways',
  };
  Object.assign(env, options.env);
  if (options.amqpUrl) env.RELAYBOX_AMQP_URL = options.amqpUrl;
  if (options.redisUrl) env.RELAYBOX_REDIS_URL = options.redisUrl;
  if (options.heartbeatMs) env.RELAYBOX_HEARTBEAT_MS = String(options.heartbeatMs);
  if (options.idleTimeoutSec) env.RELAYBOX_IDLE_TIMEOUT_SEC = String(options.idleTimeoutSec);
  const ownDataDir =
    env.RELAYBOX_DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'rb-gw-data-')) : undefined;
  if (ownDataDir) env.RELAYBOX_DATA_DIR = ownDataDir;
  const removeDataDir = () => ownDataDir && rmSync(ownDataDir, { recursive: true, force: true });
  const running = await startGateway(loadConfig(env), {
    log: createLogger('silent'),
    ...options.overrides,
  }).catch((error: unknown) => {
    removeDataDir();
    throw error;
  });
  return {
    ...running,
    shutdown: async () => {
      await running.shutdown();
      removeDataDir();
    },
  };
}

export const wsUrl = (gw: RunningGateway | number) =>
  `ws://127.0.0.1:${typeof gw === 'number' ? gw : gw.port}/v1/ws`;

export interface ConnectOptions {
  token?: string;
  apiKey?: string;
  clientId?: string;
  /** Put the token in `?token=` instead of the subprotocol. */
  tokenInQuery?: boolean;
  /** Offer `relaybox.resume.<connectionId>.<secret>`. */
  resume?: { connectionId: string; secret: string };
  headers?: Record<string, string>;
}

function upgradeArgs(
  url: string,
  options: ConnectOptions,
): [string, string[], { headers?: Record<string, string> }] {
  const protocols = [PROTOCOL];
  const query = new URLSearchParams();
  if (options.token && options.tokenInQuery) query.set('token', options.token);
  else if (options.token) protocols.push(TOKEN_PROTOCOL_PREFIX + options.token);
  if (options.apiKey)
    protocols.push(API_KEY_PROTOCOL_PREFIX + Buffer.from(options.apiKey).toString('base64url'));
  if (options.resume)
    protocols.push(`relaybox.resume.${options.resume.connectionId}.${options.resume.secret}`);
  if (options.clientId) query.set('clientId', options.clientId);
  const qs = query.toString();
  return [qs ? `${url}?${qs}` : url, protocols, options.headers ? { headers: options.headers } : {}];
}

/** A raw protocol client: what arrives is recorded; requests are correlated by ref. */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** `<code> <reason>` once closed, for error messages. */
  closeInfo = 'open';
  private ref = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    let clientError = '';
    // A protocol error seen by the client (bad frame) closes with 1006: keep what it was.
    ws.on('error', (error) => {
      clientError = ` (client error: ${error.message})`;
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = `${code} ${reason.toString()}${clientError}`;
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Connects and waits for the `connected` frame. */
  static async connect(url: string, options: ConnectOptions): Promise<TestClient> {
    const [target, protocols, opts] = upgradeArgs(url, options);
    const ws = new WebSocket(target, protocols, opts);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.waitFor((f) => f.type === 'connected');
    return client;
  }

  get connected() {
    return this.frames.find((f) => f.type === 'connected') as Extract<ServerFrame, { type: 'connected' }>;
  }

  /** What to offer to resume this connection later. */
  get resumeOffer(): { connectionId: string; secret: string } {
    return { connectionId: this.connected.connectionId, secret: this.connected.resumeSecret };
  }

  presenceEvents(room?: string): Extract<ServerFrame, { type: 'presence' }>[] {
    return this.frames.filter((f) => f.type === 'presence' && (!room || f.room === room)) as Extract<
      ServerFrame,
      { type: 'presence' }
    >[];
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with the next ref and resolves with its `ack` or `error` reply. */
  async request(frame: Record<string, unknown>): Promise<AckFrame | ErrorFrame> {
    const ref = ++this.ref;
    this.send({ ...frame, ref });
    return (await this.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.ref === ref)) as
      | AckFrame
      | ErrorFrame;
  }

  /** Requests and expects an ack; throws with the error frame otherwise. */
  async ok(frame: Record<string, unknown>): Promise<AckFrame> {
    const reply = await this.request(frame);
    if (reply.type !== 'ack')
      throw new Error(`expected ack for ${JSON.stringify(frame)}, got ${JSON.stringify(reply)}`);
    return reply;
  }

  async joinAndSubscribe(room: string): Promise<void> {
    await this.ok({ type: 'join', room });
    await this.ok({ type: 'subscribe', room });
  }

  messages(room?: string): Extract<ServerFrame, { type: 'message' }>[] {
    return this.frames.filter((f) => f.type === 'message' && (!room || f.room === room)) as Extract<
      ServerFrame,
      { type: 'message' }
    >[];
  }

  /** Resolves with the first recorded frame matching, waiting up to `timeoutMs`. */
  async waitFor(match: (frame: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`connection closed (${this.closeInfo}) while waiting for a frame`);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for a frame; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForMessages(room: string, count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages(room).length < count) {
      if (Date.now() > deadline)
        throw new Error(`got ${this.messages(room).length}/${count} messages in ${room}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }
}

/** Attempts an upgrade that must be refused; returns the HTTP status and the JSON body. */
export function refusedUpgrade(
  url: string,
  options: ConnectOptions,
): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  const [target, protocols, opts] = upgradeArgs(url, options);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target, protocols, opts);
    ws.once('open', () => {
      ws.close();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once('error', () => {});
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
