import { randomBytes } from 'node:crypto';
import type { RelayBox, RoomMessage } from '@relaybox/client';
import type { AdminConnectionDetail } from '@relaybox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, waitUntil } from './docker-helpers.js';
import { NativeStack } from './native-stack.js';

/**
 * The console's connection page behind the native engine's front proxy (round robin over 2
 * gateways, real Redis and RabbitMQ): every read of a connection of gateway-1 shows its frames and
 * subscription states, whichever gateway the proxy hands the read to.
 */
describe('connection detail through the native engine front proxy (2 gateways)', () => {
  const stack = new NativeStack('connpage');
  const relays: RelayBox[] = [];

  const detail = async (connectionId: string) => {
    const res = await fetch(`${stack.origin}/v1/admin/connections/${encodeURIComponent(connectionId)}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    return { status: res.status, body: (await res.json()) as AdminConnectionDetail };
  };

  beforeAll(() => stack.up(), 90_000);

  afterAll(async () => {
    await Promise.allSettled(relays.map((r) => r.close()));
    await stack.down();
  }, 30_000);

  it('every read shows the frames in and out and the subscription states', { timeout: 60_000 }, async () => {
    const relay = await client(
      stack.gatewayUrl['gateway-1']!,
      stack.devApiKey,
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
