import { ErrorCode, RelayBoxError, shardOf } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage, BrokerState } from '../broker.js';
import { Inbox } from './inbox.js';
import { roomInShard, roomsInDistinctShards } from './rooms.js';
import { sleep } from './wait-for.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface BrokerConformanceContext {
  /** A new, not yet started broker sharing its fan-out with every other broker of this context. */
  createBroker(): Broker;
  readonly shardCount: number;
  /** Keep it short (100-300 ms): the suite waits for it. */
  readonly unbindGraceMs: number;
  /** Removes what the context created (exchange, bus). Runs after every broker was closed. */
  dispose(): Promise<void>;
}

export type BrokerConformanceFactory = () => BrokerConformanceContext | Promise<BrokerConformanceContext>;

const APP = 'app-1';
const OTHER_APP = 'app-2';
const TEST_TIMEOUT_MS = 20_000;

/** Fails unless `promise` rejects with a retryable `RelayBoxError(broker_unavailable)`. */
export async function expectBrokerUnavailable(promise: Promise<unknown>): Promise<RelayBoxError> {
  const error = await promise.then(
    () => new Error('expected a rejection, the promise resolved'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayBoxError);
  expect((error as RelayBoxError).code).toBe(ErrorCode.BrokerUnavailable);
  expect((error as RelayBoxError).retryable).toBe(true);
  return error as RelayBoxError;
}

/** Runs the `Broker` port's guarantees (platform/core/src/broker.ts) against one implementation. */
export function describeBrokerConformance(name: string, factory: BrokerConformanceFactory): void {
  describe(`Broker conformance: ${name}`, () => {
    let ctx: BrokerConformanceContext;
    let brokers: Broker[];

    beforeEach(async () => {
      ctx = await factory();
      brokers = [];
    });

    afterEach(async () => {
      await Promise.allSettled(brokers.map((b) => b.close()));
      await ctx.dispose();
    });

    const created = (): Broker => {
      const broker = ctx.createBroker();
      brokers.push(broker);
      return broker;
    };

    const started = async (): Promise<{ broker: Broker; inbox: Inbox }> => {
      const broker = created();
      const inbox = new Inbox(broker);
      await broker.start();
      return { broker, inbox };
    };

    const message = (room: string, payload: string, appId = APP): BrokerMessage => ({ appId, room, payload });

    /** Publishes a marker into `room` and waits until every inbox got it: earlier messages had their chance. */
    const flush = async (
      publisher: Broker,
      room: string,
      inboxes: Inbox[],
      marker: string,
    ): Promise<void> => {
      await publisher.publish(message(room, marker));
      await Promise.all(inboxes.map((inbox) => inbox.received(room, marker)));
    };

    it(
      'reports connected after start() and closed after close()',
      async () => {
        const broker = created();
        const states: BrokerState[] = [];
        broker.onStateChange((state) => states.push(state));
        await broker.start();
        expect(broker.state).toBe('connected');
        expect(states.at(-1)).toBe('connected');
        await broker.close();
        await broker.close();
        expect(broker.state).toBe('closed');
        expect(states.filter((s) => s === 'closed')).toEqual(['closed']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'delivers once to every subscribed broker, the publisher included, and not to a broker without the shard',
      async () => {
        const [room, common] = roomsInDistinctShards(APP, 2, ctx.shardCount, 'deliver') as [string, string];
        const a = await started();
        const b = await started();
        const c = await started();
        await a.broker.subscribe(APP, room);
        await b.broker.subscribe(APP, room);
        await Promise.all([a, b, c].map((x) => x.broker.subscribe(APP, common)));

        await a.broker.publish(message(room, 'hello'));
        await flush(a.broker, common, [a.inbox, b.inbox, c.inbox], 'flush');

        expect(a.inbox.payloads(room)).toEqual(['hello']);
        expect(b.inbox.payloads(room)).toEqual(['hello']);
        expect(b.inbox.messages[0]).toEqual(message(room, 'hello'));
        expect(c.inbox.payloads(room)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "carries a message's traceparent to every subscriber, beside the payload, and none when absent",
      async () => {
        const a = await started();
        const b = await started();
        const room = 'trace-carry';
        await b.broker.subscribe(APP, room);
        const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        await a.broker.publish({ ...message(room, 'traced'), traceparent });
        await a.broker.publish(message(room, 'plain'));
        await b.inbox.received(room, 'plain');
        expect(b.inbox.messages).toEqual([
          { ...message(room, 'traced'), traceparent },
          message(room, 'plain'),
        ]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'delivers once per message to a broker holding several references and rooms of one shard',
      async () => {
        const shard = shardOf(APP, 'anchor', ctx.shardCount);
        const room = roomInShard(APP, shard, ctx.shardCount, 'left');
        const sibling = roomInShard(APP, shard, ctx.shardCount, 'right');
        const a = await started();
        const b = await started();
        await b.broker.subscribe(APP, room);
        await b.broker.subscribe(APP, room);
        await b.broker.subscribe(APP, sibling);

        await a.broker.publish(message(room, 'one'));
        await a.broker.publish(message(sibling, 'two'));
        await flush(a.broker, room, [b.inbox], 'flush');

        expect(b.inbox.payloads(room)).toEqual(['one', 'flush']);
        expect(b.inbox.payloads(sibling)).toEqual(['two']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'carries appId, room and payload through unchanged',
      async () => {
        const room = 'chat:lobby';
        const a = await started();
        const b = await started();
        await b.broker.subscribe(APP, room);
        await b.broker.subscribe(OTHER_APP, room);
        const payloads = ['', '{"t":"msg","data":"héllo wörld ✓ 🚀"}', 'x'.repeat(300_000)];
        for (const payload of payloads) await a.broker.publish(message(room, payload));
        await a.broker.publish(message(room, 'other app', OTHER_APP));
        await b.inbox.until(() => b.inbox.messages.length === 4);

        expect(b.inbox.messages).toEqual([
          ...payloads.map((p) => message(room, p)),
          message(room, 'other app', OTHER_APP),
        ]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps publish order for a stream of 1000 messages from one publisher',
      async () => {
        const room = 'ordered';
        const a = await started();
        const b = await started();
        await a.broker.subscribe(APP, room);
        await b.broker.subscribe(APP, room);
        const expected: string[] = [];
        const sends: Promise<void>[] = [];
        for (let i = 0; i < 1000; i++) {
          expected.push(String(i));
          sends.push(a.broker.publish(message(room, String(i))));
        }
        await Promise.all(sends);
        await flush(a.broker, room, [a.inbox, b.inbox], 'end');
        expected.push('end');

        expect(b.inbox.payloads(room)).toEqual(expected);
        expect(a.inbox.payloads(room)).toEqual(expected);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'never runs a handler inside publish()',
      async () => {
        const room = 'async';
        const a = await started();
        let inPublish = false;
        const seenInPublish: boolean[] = [];
        a.broker.onMessage(() => seenInPublish.push(inPublish));
        await a.broker.subscribe(APP, room);
        inPublish = true;
        const sent = a.broker.publish(message(room, 'm'));
        inPublish = false;
        await sent;
        await a.inbox.received(room, 'm');
        expect(seenInPublish).toEqual([false]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'counts references: the shard stays bound until the last unsubscribe, then unbinds after the grace',
      async () => {
        const [room, probe] = roomsInDistinctShards(APP, 2, ctx.shardCount, 'refcount') as [string, string];
        const a = await started();
        const b = await started();
        await b.broker.subscribe(APP, room);
        await b.broker.subscribe(APP, room);
        await b.broker.subscribe(APP, probe);

        b.broker.unsubscribe(APP, room);
        await sleep(ctx.unbindGraceMs * 2 + 50);
        await a.broker.publish(message(room, 'one reference left'));
        await b.inbox.received(room, 'one reference left');

        const unsubscribedAt = Date.now();
        b.broker.unsubscribe(APP, room);
        await a.broker.publish(message(room, 'within the grace'));
        await b.inbox.received(room, 'within the grace');

        const stoppedAfterMs = await waitUntilDeliveryStops(a.broker, b.inbox, room, probe, unsubscribedAt);
        expect(stoppedAfterMs).toBeGreaterThanOrEqual(ctx.unbindGraceMs - 5);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps delivering when a room of the shard is subscribed again within the grace',
      async () => {
        const shard = shardOf(APP, 'again', ctx.shardCount);
        const room = roomInShard(APP, shard, ctx.shardCount, 'again');
        const sibling = roomInShard(APP, shard, ctx.shardCount, 'sibling');
        const a = await started();
        const b = await started();
        await b.broker.subscribe(APP, room);
        b.broker.unsubscribe(APP, room);
        await sleep(ctx.unbindGraceMs / 3);
        await b.broker.subscribe(APP, room);
        b.broker.unsubscribe(APP, room);
        await b.broker.subscribe(APP, sibling);
        await sleep(ctx.unbindGraceMs * 2 + 50);

        await a.broker.publish(message(sibling, 'still bound'));
        await b.inbox.received(sibling, 'still bound');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'ignores an unsubscribe without a matching subscribe',
      async () => {
        const room = 'unbalanced';
        const a = await started();
        const b = await started();
        b.broker.unsubscribe(APP, 'never-subscribed');
        await b.broker.subscribe(APP, room);
        b.broker.unsubscribe(APP, room);
        b.broker.unsubscribe(APP, room);
        await b.broker.subscribe(APP, room);
        await sleep(ctx.unbindGraceMs * 2 + 50);

        await a.broker.publish(message(room, 'bound once'));
        await b.inbox.received(room, 'bound once');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects publish and subscribe after close() with a retryable broker_unavailable',
      async () => {
        const { broker } = await started();
        await broker.subscribe(APP, 'closing');
        await broker.close();
        await expectBrokerUnavailable(broker.publish(message('closing', 'late')));
        await expectBrokerUnavailable(broker.subscribe(APP, 'closing'));
        expect(() => broker.unsubscribe(APP, 'closing')).not.toThrow();
      },
      TEST_TIMEOUT_MS,
    );
  });
}

/**
 * Publishes a probe into `room` followed by a marker into `probe` (a room the receiver keeps) until a
 * marker arrives without its probe. Returns when that probe's publish resolved, in ms after `since`:
 * the broker routed it no later than that, so the unbind had happened by then.
 */
async function waitUntilDeliveryStops(
  publisher: Broker,
  inbox: Inbox,
  room: string,
  probe: string,
  since: number,
  timeoutMs = 8000,
): Promise<number> {
  for (let i = 0; Date.now() - since < timeoutMs; i++) {
    await publisher.publish({ appId: APP, room, payload: `probe-${i}` });
    const elapsed = Date.now() - since;
    await publisher.publish({ appId: APP, room: probe, payload: `marker-${i}` });
    await inbox.received(probe, `marker-${i}`);
    if (!inbox.payloads(room).includes(`probe-${i}`)) return elapsed;
    await sleep(20);
  }
  throw new Error(`messages kept arriving ${timeoutMs} ms after the last unsubscribe`);
}
