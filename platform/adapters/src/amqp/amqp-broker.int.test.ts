import type { BrokerMessage, BrokerState } from '@relaybox/core';
import {
  describeBrokerConformance,
  expectBrokerUnavailable,
  Inbox,
  roomsInDistinctShards,
  sleep,
  TcpProxy,
  waitFor,
} from '@relaybox/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmqpBroker, type AmqpBrokerOptions } from './amqp-broker.js';
import { RABBITMQ_URL, RabbitmqAdmin } from './rabbitmq-admin.js';

describeBrokerConformance('AmqpBroker', () => {
  const exchange = RabbitmqAdmin.uniqueName('exchange');
  const shardCount = 16;
  const unbindGraceMs = 200;
  return {
    createBroker: () => new AmqpBroker({ url: RABBITMQ_URL, exchange, shardCount, unbindGraceMs }),
    shardCount,
    unbindGraceMs,
    dispose: () => RabbitmqAdmin.deleteExchange(exchange),
  };
});

const APP = 'app-1';
const SHARDS = 8;
const message = (room: string, payload: string): BrokerMessage => ({ appId: APP, room, payload });

interface Handle {
  broker: AmqpBroker;
  inbox: Inbox;
  states: BrokerState[];
  connectionName: string;
}

describe('AmqpBroker against RabbitMQ', () => {
  let exchange: string;
  let handles: Handle[];
  let proxies: TcpProxy[];

  beforeEach(() => {
    exchange = RabbitmqAdmin.uniqueName('exchange');
    handles = [];
    proxies = [];
  });

  afterEach(async () => {
    await Promise.allSettled(handles.map((h) => h.broker.close()));
    await Promise.allSettled(proxies.map((p) => p.close()));
    await RabbitmqAdmin.deleteExchange(exchange);
  });

  const make = (options: Partial<AmqpBrokerOptions> = {}): Handle => {
    const nodeId = RabbitmqAdmin.uniqueName('node');
    const broker = new AmqpBroker({
      url: RABBITMQ_URL,
      exchange,
      shardCount: SHARDS,
      nodeId,
      unbindGraceMs: 200,
      reconnectMinDelayMs: 50,
      reconnectMaxDelayMs: 400,
      ...options,
    });
    const states: BrokerState[] = [];
    broker.onStateChange((state) => states.push(state));
    const handle = { broker, inbox: new Inbox(broker), states, connectionName: `relaybox-gw-${nodeId}` };
    handles.push(handle);
    return handle;
  };

  const proxied = async (): Promise<{ proxy: TcpProxy; url: string }> => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5672 });
    proxies.push(proxy);
    return { proxy, url: `amqp://guest:guest@127.0.0.1:${proxy.port}` };
  };

  it('reconnects after RabbitMQ closes its connection, with every binding back before "connected"', async () => {
    const a = make();
    const b = make();
    await Promise.all([a.broker.start(), b.broker.start()]);
    const rooms = roomsInDistinctShards(APP, SHARDS, SHARDS, 'restore');
    for (const room of rooms) await b.broker.subscribe(APP, room);

    const publishedOnReconnect: Promise<void>[] = [];
    b.broker.onStateChange((state) => {
      if (state !== 'connected') return;
      for (const room of rooms) publishedOnReconnect.push(a.broker.publish(message(room, 'right away')));
    });
    expect(await RabbitmqAdmin.closeConnections(b.connectionName)).toBe(1);

    await waitFor(() => b.states.length === 5, 8000, 'disconnect and reconnect');
    expect(b.states).toEqual(['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
    await Promise.all(publishedOnReconnect);
    await Promise.all(rooms.map((room) => b.inbox.received(room, 'right away')));
    await b.broker.publish(message(rooms[0]!, 'own publish'));
    await b.inbox.received(rooms[0]!, 'own publish');
    expect(await RabbitmqAdmin.connectionPids(b.connectionName)).toHaveLength(1);
  });

  it('rejects publishes during an outage, reports disconnected, and recovers on its own', async () => {
    const { proxy, url } = await proxied();
    const a = make();
    const b = make({ url });
    await Promise.all([a.broker.start(), b.broker.start()]);
    await b.broker.subscribe(APP, 'outage');

    const inFlight = Array.from({ length: 50 }, (_, i) => b.broker.publish(message('outage', `lost-${i}`)));
    proxy.cut();
    const settled = await Promise.race([
      Promise.allSettled(inFlight),
      sleep(3000).then(() => 'hung' as const),
    ]);
    expect(settled).not.toBe('hung');
    for (const result of settled as PromiseSettledResult<void>[]) {
      expect(result.status).toBe('rejected');
      await expectBrokerUnavailable(Promise.reject((result as PromiseRejectedResult).reason));
    }
    await waitFor(() => b.broker.state !== 'connected', 3000, 'disconnected');
    expect(b.states).toContain('disconnected');

    const before = Date.now();
    await expectBrokerUnavailable(b.broker.publish(message('outage', 'during')));
    await expectBrokerUnavailable(b.broker.subscribe(APP, 'joined-during-outage'));
    expect(Date.now() - before).toBeLessThan(250);
    await sleep(600);
    expect(b.broker.state).not.toBe('connected');

    proxy.restore();
    await waitFor(() => b.broker.state === 'connected', 5000, 'reconnected');
    await a.broker.publish(message('outage', 'after'));
    await b.broker.publish(message('outage', 'from b'));
    await b.inbox.received('outage', 'after');
    await b.inbox.received('outage', 'from b');
    expect(b.inbox.payloads('outage')).toEqual(['after', 'from b']);
  });

  it('rejects within the confirm timeout when the network goes silent, then reconnects', async () => {
    const { proxy, url } = await proxied();
    const a = make();
    const b = make({ url, heartbeatSeconds: 1, confirmTimeoutMs: 1000 });
    await Promise.all([a.broker.start(), b.broker.start()]);
    await b.broker.subscribe(APP, 'silent');

    proxy.freeze();
    const before = Date.now();
    await expectBrokerUnavailable(b.broker.publish(message('silent', 'into the void')));
    expect(Date.now() - before).toBeLessThan(3000);
    expect(b.broker.state).not.toBe('connected');

    proxy.restore();
    await waitFor(() => b.broker.state === 'connected', 5000, 'reconnected');
    await a.broker.publish(message('silent', 'back'));
    await b.inbox.received('silent', 'back');
  });

  it('absorbs a burst past the channel write buffer without dropping or reordering', async () => {
    const a = make({ writeHighWaterMark: 4 });
    const b = make();
    await Promise.all([a.broker.start(), b.broker.start()]);
    await b.broker.subscribe(APP, 'burst');
    const count = 20_000;
    const expected = Array.from({ length: count }, (_, i) => `${i}:${'p'.repeat(i % 300)}`);
    await Promise.all(expected.map((payload) => a.broker.publish(message('burst', payload))));
    await b.inbox.until(() => b.inbox.messages.length >= count, 15_000, `${count} messages`);
    expect(b.inbox.payloads('burst')).toEqual(expected);
  }, 30_000);

  it('start() makes one attempt and rejects when RabbitMQ is unreachable; a later start() succeeds', async () => {
    const { proxy, url } = await proxied();
    proxy.cut();
    const b = make({ url });
    await expectBrokerUnavailable(b.broker.start());
    expect(b.broker.state).toBe('disconnected');
    expect(b.broker.lastError).toBeInstanceOf(Error);
    proxy.restore();
    await sleep(500);
    expect(proxy.accepted).toBe(0);
    await b.broker.start();
    expect(b.broker.state).toBe('connected');
    expect(b.states).toEqual(['connecting', 'disconnected', 'connecting', 'connected']);
  });

  it('close() stops reconnecting and leaves no connection or timer behind', async () => {
    const { proxy, url } = await proxied();
    const a = make();
    const b = make({ url });
    await Promise.all([a.broker.start(), b.broker.start()]);
    await a.broker.close();
    expect(await RabbitmqAdmin.connectionPids(a.connectionName)).toEqual([]);

    proxy.cut();
    await waitFor(() => b.broker.state === 'disconnected', 3000, 'disconnected');
    await b.broker.close();
    const accepted = proxy.accepted;
    proxy.restore();
    await sleep(1000);
    expect(proxy.accepted).toBe(accepted);
    expect(b.states.at(-1)).toBe('closed');
    expect(b.broker.state).toBe('closed');
  });
});
