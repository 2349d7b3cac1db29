import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisKeys, RabbitmqAdmin } from '@relaybox/adapters/testing';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import { testName } from '@relaybox/core/testing';
import type { AdminConnectionDetail } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeEngine } from '../src/index.js';
import { client, waitUntil } from './docker-helpers.js';

/**
 * The console's connection page behind the native engine's front proxy (round robin over 2
 * gateways, real Redis and RabbitMQ): every read of a connection of gateway-1 shows its frames and
 * subscription states, whichever gateway the proxy hands the read to.
 */
describe('connection detail through the native engine front proxy (2 gateways)', () => {
  const prefix = `test-connpage-${randomBytes(4).toString('hex')}:`;
  const exchange = testName('test.connpage');
  const engine = new NativeEngine({
    redisPrefix: prefix,
    amqpExchange: exchange,
    dataDir: mkdtempSync(join(tmpdir(), 'rb-connpage-')),
    stopGraceMs: 3000,
  });
  let devApiKey: string;
  let adminToken: string;
  let origin: string;
  const gatewayUrl: Record<string, string> = {};
  const relays: RelayBox[] = [];

  const detail = async (connectionId: string) => {
    const res = await fetch(`${origin}/v1/admin/connections/${encodeURIComponent(connectionId)}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return { status: res.status, body: (await res.json()) as AdminConnectionDetail };
  };

  beforeAll(async () => {
    const result = await engine.up({
      port: 0,
      gateways: 2,
      adminToken: `admin-${randomBytes(12).toString('hex')}`,
    });
    devApiKey = result.devApiKey;
    adminToken = result.adminToken;
    origin = result.status.endpoints.origin.replace('localhost', '127.0.0.1');
    for (const s of result.status.services) {
      const port = /port (\d+)/.exec(s.detail ?? '')?.[1];
      if (s.service === 'gateway' && port) gatewayUrl[s.name] = `ws://127.0.0.1:${port}/v1/ws`;
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(relays.map((r) => r.close()));
    await engine.down();
    await deleteRedisKeys(prefix);
    await RabbitmqAdmin.deleteExchange(exchange).catch(() => {});
  }, 30_000);

  it('every read shows the frames in and out and the subscription states', { timeout: 60_000 }, async () => {
    const relay = await client(
      gatewayUrl['gateway-1']!,
      devApiKey,
      `watched-${randomBytes(3).toString('hex')}`,
    );
    relays.push(relay);
    const connectionId = relay.connectionId!;
    // Listed by both gateways (snapshots are shared about once a second).
    let reads = 0;
    await waitUntil(async () => {
      reads = (await detail(connectionId)).status === 200 ? reads + 1 : 0;
      return reads >= 2;
    }, 20_000);
    const name = `page:${randomBytes(3).toString('hex')}`;
    const room = await relay.join(name);
    const got: RoomMessage[] = [];
    room.subscribe((m) => got.push(m));
    await room.publish('note', { n: 1 });
    await waitUntil(() => got.length === 1, 10_000);
    // The room is listed once both gateways read the owner's next snapshot.
    reads = 0;
    await waitUntil(async () => {
      reads = (await detail(connectionId)).body.rooms?.length === 1 ? reads + 1 : 0;
      return reads >= 2;
    }, 20_000);
    // Round robin: these reads land on both gateways; each must carry what gateway-1 recorded.
    for (let read = 0; read < 6; read++) {
      const { status, body } = await detail(connectionId);
      expect(status).toBe(200);
      expect(body.framesError).toBeNull();
      expect(body.frames?.node).toBe(body.connection.gateway);
      expect(body.frames?.in.map((f) => f.type)).toEqual(
        expect.arrayContaining(['join', 'subscribe', 'publish']),
      );
      expect(body.frames?.out.map((f) => f.type)).toEqual(expect.arrayContaining(['ack', 'message']));
      expect(body.rooms).toEqual([expect.objectContaining({ room: name, messages: 'on', lastSeq: 1 })]);
    }
  });
});
