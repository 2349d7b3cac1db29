import type { BrokerMessage } from '@relaybox/core';
import {
  expectBrokerUnavailable,
  Inbox,
  roomInShard,
  sleep,
  TcpProxy,
  waitFor,
} from '@relaybox/core/testing';
import { shardOf } from '@relaybox/protocol';
import { type ChannelModel, connect } from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmqpBroker, type AmqpBrokerOptions } from './amqp-broker.js';
import { BATCH_WIRE_VERSION, decodeBrokerBody } from './amqp-codec.js';
import { RABBITMQ_URL, RabbitmqAdmin } from './rabbitmq-admin.js';

const APP = 'app-batch';
const SHARDS = 8;
const message = (room: string, payload: string, traceparent?: string): BrokerMessage =>
  traceparent === undefined ? { appId: APP, room, payload } : { appId: APP, room, payload, traceparent };

/** Every AMQP body that crosses the exchange, seen by a plain amqplib consumer bound to `#`. */
async function wiretap(exchange: string): Promise<{ bodies: Buffer[]; close: () => Promise<void> }> {
  const model: ChannelModel = await connect(RABBITMQ_URL);
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, '#');
  const bodies: Buffer[] = [];
  await channel.consume(queue, (m) => m && bodies.push(m.content), { noAck: true });
  return { bodies, close: () => model.close() };
}

describe('AmqpBroker batching against RabbitMQ', () => {
  let exchange: string;
  let brokers: AmqpBroker[];
  let cleanups: (() => Promise<void>)[];

  beforeEach(() => {
    exchange = RabbitmqAdmin.uniqueName('exchange');
    brokers = [];
    cleanups = [];
  });

  afterEach(async () => {
    await Promise.allSettled(brokers.map((b) => b.close()));
    await Promise.allSettled(cleanups.map((c) => c()));
    await RabbitmqAdmin.deleteExchange(exchange);
  });

  const make = (options: Partial<AmqpBrokerOptions> = {}): AmqpBroker => {
    const broker = new AmqpBroker({
      url: RABBITMQ_URL,
      exchange,
      shardCount: SHARDS,
      unbindGraceMs: 200,
      reconnectMinDelayMs: 50,
      reconnectMaxDelayMs: 400,
      ...options,
    });
    brokers.push(broker);
    return broker;
  };

  it('carries the publishes of one shard made in one turn in fewer AMQP messages, every one confirmed', async () => {
    const a = make({ batchMaxMessages: 16 });
    const b = make();
    await Promise.all([a.start(), b.start()]);
    const rooms = [0, 1, 2].map((shard) => roomInShard(APP, shard, SHARDS, 'batched'));
    for (const room of rooms) await b.subscribe(APP, room);
    const tap = await wiretap(exchange);
    cleanups.push(tap.close);
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

    const inbox = new Inbox(b);
    const sent = Array.from({ length: 300 }, (_, i) =>
      message(rooms[i % 3]!, `m${i}`, i % 2 ? trace : undefined),
    );
    await Promise.all(sent.map((m) => a.publish(m)));
    await b.publish(message(rooms[0]!, 'after')); // a later turn: its own AMQP message
    await inbox.received(rooms[0]!, 'after');
    await waitFor(
      () => tap.bodies.length > 0 && decodeBrokerBody(tap.bodies.at(-1)!)?.[0]?.payload === 'after',
    );

    const batches = tap.bodies.slice(0, -1);
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(100 / 16) * 3);
    expect(batches.every((body) => body[0] === BATCH_WIRE_VERSION)).toBe(true);
    const decoded = batches.flatMap((body) => decodeBrokerBody(body)!);
    for (const room of rooms) {
      const expected = sent.filter((m) => m.room === room);
      expect(decoded.filter((m) => m.room === room)).toEqual(expected);
      // Handed to the subscribing broker's handlers in order, each with its own traceparent.
      expect(inbox.messages.filter((m) => m.room === room && m.payload !== 'after')).toEqual(expected);
    }
  });

  it('keeps publish order within a shard across batches and turns', async () => {
    const a = make({ batchMaxMessages: 5, batchMaxBytes: 200 });
    const b = make();
    await Promise.all([a.start(), b.start()]);
    const rooms = ['x', 'y', 'z'].map((tag) => roomInShard(APP, 3, SHARDS, tag));
    expect(new Set(rooms.map((room) => shardOf(APP, room, SHARDS)))).toEqual(new Set([3]));
    for (const room of rooms) await b.subscribe(APP, room);
    const inbox = new Inbox(b);

    const expected: string[] = [];
    const confirms: Promise<void>[] = [];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 37; i++) {
        const payload = `${turn}.${i}:${'p'.repeat(i * 3)}`;
        expected.push(payload);
        confirms.push(a.publish(message(rooms[i % 3]!, payload)));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(confirms);
    await inbox.until(() => inbox.messages.length >= expected.length, 10_000, 'every message');
    expect(inbox.payloads()).toEqual(expected);
  });

  it('rejects every unconfirmed message of a batch when the connection is cut, never confirming a later one alone', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5672 });
    cleanups.push(() => proxy.close());
    const a = make({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, batchMaxMessages: 8 });
    const b = make();
    await Promise.all([a.start(), b.start()]);
    const rooms = [0, 1, 2, 3].map((shard) => roomInShard(APP, shard, SHARDS, 'cut'));
    for (const room of rooms) await b.subscribe(APP, room);
    const inbox = new Inbox(b);

    // Publishes keep coming, 20 per millisecond over 4 shards (batches of up to 8), and the link is
    // cut once 300 of them were confirmed: batches are then in flight on every side of the cut.
    const sent: BrokerMessage[] = [];
    const outcomes: Promise<void>[] = [];
    let confirmed = 0;
    for (let turn = 0; turn < 300 && confirmed < 300; turn++) {
      for (let i = 0; i < 20; i++) {
        const m = message(rooms[i % 4]!, `c${sent.length}`);
        sent.push(m);
        const outcome = a.publish(m);
        outcome.then(
          () => confirmed++,
          () => {},
        );
        outcomes.push(outcome);
      }
      await sleep(1);
    }
    expect(confirmed).toBeGreaterThanOrEqual(300);
    proxy.cut();
    for (let i = 0; i < 40; i++) {
      const m = message(rooms[i % 4]!, `c${sent.length}`);
      sent.push(m);
      outcomes.push(a.publish(m));
    }
    const settled = await Promise.allSettled(outcomes);
    const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).toBeGreaterThanOrEqual(40);
    for (const r of rejected) await expectBrokerUnavailable(Promise.reject(r.reason));
    // Per shard, what was confirmed is a prefix of what was published (confirms settle in order).
    for (const room of rooms) {
      const states = settled.filter((_, i) => sent[i]!.room === room).map((s) => s.status);
      const firstRejected = states.indexOf('rejected');
      expect(firstRejected).toBeGreaterThanOrEqual(0);
      expect(states.slice(firstRejected).every((s) => s === 'rejected')).toBe(true);
    }
    const acknowledged = sent.filter((_, i) => settled[i]!.status === 'fulfilled');
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    await inbox.until(
      () => acknowledged.every((m) => inbox.payloads(m.room).includes(m.payload)),
      10_000,
      'confirmed',
    );
    await waitFor(() => a.state !== 'connected', 3000, 'disconnected');
    await expectBrokerUnavailable(a.publish(message(rooms[0]!, 'during')));

    proxy.restore();
    await waitFor(() => a.state === 'connected', 5000, 'reconnected');
    await a.publish(message(rooms[0]!, 'back'));
    await inbox.received(rooms[0]!, 'back');
  });

  it('refuses batch bounds out of range with a clear error', () => {
    expect(() => make({ batchMaxMessages: 0 })).toThrow(/batchMaxMessages/);
    expect(() => make({ batchMaxMessages: 70_000 })).toThrow(/batchMaxMessages/);
    expect(() => make({ batchMaxBytes: 1.5 })).toThrow(/batchMaxBytes/);
  });
});
