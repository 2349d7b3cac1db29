import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import { testName } from '@relaybox/core/testing';
import { NativeEngine } from '../src/index.js';

/**
 * A native stack of 2 gateways on the real Redis and RabbitMQ under prefixes of its own, for tests
 * that drive it through its front proxy, its gateways or a daemon. `up` in `beforeAll`, `down` in
 * `afterAll` (it also removes the stack's Redis keys and exchange).
 */
export class NativeStack {
  readonly engine: NativeEngine;
  devApiKey = '';
  adminToken = '';
  /** The front proxy's origin (`http://127.0.0.1:<port>`). */
  origin = '';
  /** Each gateway's own WebSocket URL, by service name (`gateway-1`, `gateway-2`). */
  readonly gatewayUrl: Record<string, string> = {};
  private readonly prefix: string;
  private readonly exchange: string;

  constructor(name: string, env?: Record<string, string>) {
    this.prefix = `test-${name}-${randomBytes(4).toString('hex')}:`;
    this.exchange = testName(`test.${name}`);
    this.engine = new NativeEngine({
      redisPrefix: this.prefix,
      amqpExchange: this.exchange,
      dataDir: mkdtempSync(join(tmpdir(), `rb-${name}-`)),
      stopGraceMs: 3000,
      ...(env ? { env } : {}),
    });
  }

  async up(): Promise<void> {
    const result = await this.engine.up({
      port: 0,
      gateways: 2,
      adminToken: `admin-${randomBytes(12).toString('hex')}`,
    });
    this.devApiKey = result.devApiKey;
    this.adminToken = result.adminToken;
    this.origin = result.status.endpoints.origin.replace('localhost', '127.0.0.1');
    this.readGateways(result.status.services);
  }

  /** Reads the gateways' URLs again (a restarted gateway listens on a new port). */
  async refreshGateways(): Promise<void> {
    this.readGateways((await this.engine.status()).services);
  }

  private readGateways(services: readonly { service: string; name: string; detail?: string }[]): void {
    for (const s of services) {
      const port = /port (\d+)/.exec(s.detail ?? '')?.[1];
      if (s.service === 'gateway' && port) this.gatewayUrl[s.name] = `ws://127.0.0.1:${port}/v1/ws`;
    }
  }

  async down(): Promise<void> {
    await this.engine.down();
    await deleteRedisKeys(this.prefix);
    await RabbitmqAdmin.deleteExchange(this.exchange).catch(() => {});
  }
}
