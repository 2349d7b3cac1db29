import type { JobQueue, WebhookEndpoint } from '@relaybox/core';
import { sleep } from '@relaybox/core/testing';
import { verifyWebhook, type WebhookPayload } from '@relaybox/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetterList } from '../dead-letter-list.js';
import type { DeliveryBudget, DeliveryBudgetOptions } from '../delivery-budget.js';
import type { DeliveryLog } from '../delivery-log.js';
import { processWebhook, type WebhookDeps } from '../queues/webhook/processor.js';
import { type WebhookQueueOptions, webhookQueue } from '../queues/webhook/queue.js';
import { WebhookDispatcher } from '../webhook-dispatcher.js';
import { createWebhookEvent, type WebhookEvent } from '../webhook-events.js';
import { StaticWebhookEndpoints } from './static-webhook-endpoints.js';
import { type Script, WebhookReceiver } from './webhook-receiver.js';

/** A job queue and the webhook stores of one technology, fresh for every test. */
export interface WebhookDeliveryContext {
  queue: JobQueue;
  log: DeliveryLog;
  deadLetters: DeadLetterList;
  /** A fresh per-app delivery budget of this technology (closed by `dispose`). */
  budget(options: DeliveryBudgetOptions): DeliveryBudget;
  /** Closes what the context created and removes its keys. */
  dispose(): Promise<void>;
}

const APP = 'app-1';
const SECRET = 'whsec-test-0123456789';
const TEST_TIMEOUT_MS = 20_000;
/** How long a test watches for a delivery that must not happen. */
const QUIET_MS = 400;

/** Polls `read` every 10 ms until `done` holds for its value; returns that value. */
async function eventually<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

const deadLetters = (list: DeadLetterList) =>
  eventually(
    () => list.list(APP),
    (letters) => letters.length > 0,
    'a dead letter',
  );

const endpoint = (id: string, url: string, fields: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
  appId: APP,
  id,
  url,
  secret: SECRET,
  events: ['room.joined'],
  ...fields,
});

const joined = (): WebhookEvent =>
  createWebhookEvent('room.joined', { connectionId: 'c1', clientId: 'alice', room: 'chat:lobby' });

/** Runs the webhook processor, queue and dispatcher end to end on one technology, against real HTTP receivers. */
export function describeWebhookDelivery(name: string, factory: () => WebhookDeliveryContext): void {
  describe(`webhook delivery: ${name}`, () => {
    let ctx: WebhookDeliveryContext;
    let receivers: WebhookReceiver[];
    /** Added to the clock the processor signs with; tests move it to see a fresh timestamp per try. */
    let clockOffsetMs: number;

    beforeEach(() => {
      ctx = factory();
      receivers = [];
      clockOffsetMs = 0;
    });

    afterEach(async () => {
      // Receivers first: a held request would keep a running try (and the queue's close) waiting.
      await Promise.all(receivers.map((r) => r.close()));
      await ctx.dispose();
    });

    const receiver = async (script: Script, onRequest?: Parameters<typeof WebhookReceiver.start>[1]) => {
      const started = await WebhookReceiver.start(script, onRequest);
      receivers.push(started);
      return started;
    };

    /** Starts the webhook worker and returns a dispatcher feeding it. Receivers are on loopback:
     * private networks are allowed unless a test says otherwise. */
    const start = (
      endpoints: WebhookEndpoint[],
      queue: WebhookQueueOptions,
      timeoutMs = 2000,
      options: { allowPrivateNetworks?: boolean; budget?: DeliveryBudgetOptions } = {},
    ) => {
      const resolver = new StaticWebhookEndpoints(endpoints);
      const definition = webhookQueue(queue);
      const deps: WebhookDeps = {
        allowPrivateNetworks: options.allowPrivateNetworks ?? true,
        budget: ctx.budget(options.budget ?? { limit: 10_000, windowMs: 60_000 }),
        endpoints: resolver,
        log: ctx.log,
        deadLetters: ctx.deadLetters,
        now: () => Date.now() + clockOffsetMs,
        timeoutMs,
      };
      ctx.queue.process(definition, processWebhook, deps, { concurrency: 8 });
      return new WebhookDispatcher({ queue: ctx.queue, endpoints: resolver, definition });
    };

    it(
      'retries a receiver that answers 500 three times; it sees the event once by id, every try signed',
      async () => {
        const effects: WebhookPayload[] = [];
        const seenIds = new Set<string>();
        const verdicts: string[] = [];
        const hook = await receiver(
          (n) => (n <= 3 ? 500 : 200),
          (request) => {
            // What an app does: verify the raw body, dedupe by event id, act once.
            try {
              verifyWebhook({ body: request.body, headers: request.headers, secret: SECRET });
              verdicts.push('valid');
            } catch (error) {
              verdicts.push((error as Error).message);
            }
            const id = String(request.headers['x-relaybox-event-id']);
            if (!seenIds.has(id)) {
              seenIds.add(id);
              effects.push(JSON.parse(request.body.toString('utf8')) as WebhookPayload);
            }
            clockOffsetMs += 2000;
          },
        );
        const dispatcher = start([endpoint('ep-1', hook.url())], { baseDelayMs: 20 });
        const event = joined();
        expect(await dispatcher.emit(APP, event)).toBe(1);

        await eventually(
          () => ctx.log.recent(APP, 'ep-1'),
          (log) => log.length === 4,
          'four logged tries',
        );
        await sleep(QUIET_MS);
        expect(hook.requests.map((r) => r.answer)).toEqual([500, 500, 500, 200]);
        expect(verdicts).toEqual(['valid', 'valid', 'valid', 'valid']);
        expect(effects).toEqual([
          { id: event.id, type: 'room.joined', createdAt: event.createdAt, appId: APP, data: event.data },
        ]);

        const headers = hook.requests.map((r) => r.headers);
        expect(headers.map((h) => h['x-relaybox-event-id'])).toEqual(Array(4).fill(event.id));
        expect(headers.map((h) => h['x-relaybox-event-type'])).toEqual(Array(4).fill('room.joined'));
        expect(headers.map((h) => h['x-relaybox-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
        expect(headers.map((h) => h['content-type'])).toEqual(Array(4).fill('application/json'));
        const stamps = headers.map((h) => Number(/^t=(\d+),/.exec(String(h['x-relaybox-signature']))?.[1]));
        expect(stamps.every((t, i) => i === 0 || t > (stamps[i - 1] as number))).toBe(true);
        expect(new Set(headers.map((h) => h['x-relaybox-signature'])).size).toBe(4);

        const log = await ctx.log.recent(APP, 'ep-1');
        expect(log.map((e) => [e.attempt, e.status, e.eventId, e.type])).toEqual([
          [4, 200, event.id, 'room.joined'],
          [3, 500, event.id, 'room.joined'],
          [2, 500, event.id, 'room.joined'],
          [1, 500, event.id, 'room.joined'],
        ]);
        for (const entry of log) {
          expect(entry.latencyMs).toBeGreaterThanOrEqual(0);
          expect(entry.error).toBeUndefined();
        }
        expect(await ctx.deadLetters.list(APP)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'dead-letters an event after the last try when the receiver never answers',
      async () => {
        const hook = await receiver(() => 'hold');
        const dispatcher = start([endpoint('ep-1', hook.url())], { baseDelayMs: 10, attempts: 3 }, 150);
        const event = joined();
        await dispatcher.emit(APP, event);

        const letters = await deadLetters(ctx.deadLetters);
        expect(letters).toEqual([
          {
            appId: APP,
            endpointId: 'ep-1',
            event,
            attempts: 3,
            reason: 'exhausted',
            lastError: 'timeout: no answer within 150 ms',
            failedAt: expect.any(Number),
          },
        ]);
        await sleep(QUIET_MS);
        expect(hook.requests).toHaveLength(3);
        const log = await ctx.log.recent(APP, 'ep-1');
        expect(log.map((e) => [e.attempt, e.status, e.error])).toEqual([
          [3, undefined, 'timeout: no answer within 150 ms'],
          [2, undefined, 'timeout: no answer within 150 ms'],
          [1, undefined, 'timeout: no answer within 150 ms'],
        ]);
        for (const entry of log) expect(entry.latencyMs).toBeGreaterThanOrEqual(140);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'retries a refused connection as a network error, then dead-letters it',
      async () => {
        const closed = await receiver(() => 200);
        const url = closed.url();
        await closed.close();
        const dispatcher = start([endpoint('ep-1', url)], { baseDelayMs: 10, attempts: 2 });
        await dispatcher.emit(APP, joined());
        const letters = await deadLetters(ctx.deadLetters);
        expect(letters[0]).toMatchObject({
          attempts: 2,
          reason: 'exhausted',
          lastError: 'network error: ECONNREFUSED',
        });
        expect((await ctx.log.recent(APP, 'ep-1')).map((e) => e.attempt)).toEqual([2, 1]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'retries a 429 but sends a 400 straight to the dead-letter list',
      async () => {
        const hook = await receiver((n, request) => {
          if (request.path === '/limited') return n === 1 ? 429 : 204;
          return 400;
        });
        const dispatcher = start(
          [endpoint('limited', hook.url('/limited')), endpoint('refusing', hook.url('/refusing'))],
          { baseDelayMs: 20 },
        );
        const event = joined();
        expect(await dispatcher.emit(APP, event)).toBe(2);

        await eventually(
          () => ctx.log.recent(APP, 'limited'),
          (log) => log.length === 2,
          'the 429 retry',
        );
        const letters = await deadLetters(ctx.deadLetters);
        await sleep(QUIET_MS);
        expect(hook.on('/limited').map((r) => r.answer)).toEqual([429, 204]);
        expect(hook.on('/refusing').map((r) => r.answer)).toEqual([400]);
        expect((await ctx.log.recent(APP, 'limited')).map((e) => [e.attempt, e.status])).toEqual([
          [2, 204],
          [1, 429],
        ]);
        expect((await ctx.log.recent(APP, 'refusing')).map((e) => [e.attempt, e.status])).toEqual([[1, 400]]);
        expect(letters).toEqual([
          {
            appId: APP,
            endpointId: 'refusing',
            event,
            attempts: 1,
            reason: 'rejected',
            lastStatus: 400,
            failedAt: expect.any(Number),
          },
        ]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'filters by event type and room pattern, and never enqueues one event twice for one endpoint',
      async () => {
        const hook = await receiver(() => 200);
        const dispatcher = start(
          [
            endpoint('lifecycle', hook.url('/lifecycle'), { events: ['connection.opened', 'room.joined'] }),
            endpoint('chat', hook.url('/chat'), { events: ['message.published'], rooms: ['chat:>'] }),
            endpoint('news', hook.url('/news'), {
              events: ['message.published', 'presence.enter'],
              rooms: ['news:*'],
            }),
            {
              ...endpoint('other-app', hook.url('/other-app')),
              appId: 'app-2',
              events: ['connection.opened'],
            },
          ],
          { baseDelayMs: 20 },
        );
        const message = (room: string) =>
          createWebhookEvent('message.published', {
            room,
            id: 'm1',
            seq: 1,
            event: 'msg',
            data: 1,
            timestamp: 1,
          });
        const opened = createWebhookEvent('connection.opened', { connectionId: 'c1', clientId: 'alice' });
        const chat = message('chat:lobby:eu');
        const news = message('news:today');
        const presence = createWebhookEvent('presence.enter', {
          connectionId: 'c1',
          clientId: 'alice',
          room: 'chat:lobby',
          data: null,
        });

        const counts = await Promise.all([
          dispatcher.emit(APP, opened),
          dispatcher.emit(APP, opened),
          dispatcher.emit(APP, chat),
          dispatcher.emit(APP, news),
          dispatcher.emit(APP, message('chat')),
          dispatcher.emit(APP, message('news:today:late')),
          dispatcher.emit(APP, message('elsewhere')),
          dispatcher.emit(APP, presence),
          dispatcher.emit(
            APP,
            createWebhookEvent('room.left', { connectionId: 'c1', clientId: 'a', room: 'r' }),
          ),
          dispatcher.emit('app-3', opened),
        ]);
        expect(counts).toEqual([1, 1, 1, 1, 0, 0, 0, 1, 0, 0]);
        await eventually(
          () => hook.requests.length,
          (n) => n >= 4,
          'four deliveries',
        );
        expect(await dispatcher.emit(APP, opened)).toBe(1);
        expect(await dispatcher.emit(APP, chat)).toBe(1);
        await sleep(QUIET_MS);

        const ids = (path: string) => hook.on(path).map((r) => r.headers['x-relaybox-event-id']);
        expect(ids('/lifecycle')).toEqual([opened.id]);
        expect(ids('/chat')).toEqual([chat.id]);
        expect(ids('/news').sort()).toEqual([news.id, presence.id].sort());
        expect(ids('/other-app')).toEqual([]);
        expect(hook.requests).toHaveLength(4);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses a target that resolves to loopback when private networks are not allowed (checked on every try)',
      async () => {
        const hook = await receiver(() => 200);
        // `localhost` is a name: the guard judges the address it resolves to at connect time.
        const named = hook.url().replace('127.0.0.1', 'localhost');
        const dispatcher = start(
          [
            endpoint('named', named),
            endpoint('literal', hook.url().replace('127.0.0.1', '[::ffff:127.0.0.1]')),
          ],
          { baseDelayMs: 10, attempts: 3 },
          2000,
          { allowPrivateNetworks: false },
        );
        const event = joined();
        expect(await dispatcher.emit(APP, event)).toBe(2);
        const letters = await eventually(
          () => ctx.deadLetters.list(APP),
          (l) => l.length === 2,
          'two dead letters',
        );
        await sleep(QUIET_MS);
        expect(hook.requests).toHaveLength(0);
        const byEndpoint = Object.fromEntries(letters.map((l) => [l.endpointId, l]));
        expect(byEndpoint.named).toMatchObject({ reason: 'blocked', attempts: 1 });
        expect(byEndpoint.named?.lastError).toBe('blocked: localhost resolves to a private address');
        expect(byEndpoint.literal).toMatchObject({ reason: 'blocked', attempts: 1 });
        expect((await ctx.log.recent(APP, 'named')).map((e) => [e.attempt, e.status, e.error])).toEqual([
          [1, undefined, 'blocked: localhost resolves to a private address'],
        ]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "bounds an app's tries per window: the excess makes no POST and is dead-lettered as budget_exhausted",
      async () => {
        const hook = await receiver(() => 200);
        const endpoints = ['a', 'b', 'c', 'd', 'e'].map((id) => endpoint(id, hook.url(`/${id}`)));
        endpoints.push({ ...endpoint('x', hook.url('/x')), appId: 'app-2' });
        // A one-day window: the test never straddles two windows in practice.
        const budget = { limit: 3, windowMs: 86_400_000 };
        const dispatcher = start(endpoints, { baseDelayMs: 10, attempts: 2 }, 2000, { budget });
        expect(await dispatcher.emit(APP, joined())).toBe(5);
        const letters = await eventually(
          () => ctx.deadLetters.list(APP),
          (l) => l.length === 2,
          'two dead letters',
        );
        await sleep(QUIET_MS);
        expect(hook.requests).toHaveLength(3);
        for (const letter of letters) {
          expect(letter).toMatchObject({ reason: 'budget_exhausted', attempts: 2 });
          expect(letter.lastError).toContain('delivery budget (3 per 86400000 ms) is spent');
        }
        // Another app has its own budget.
        expect(await dispatcher.emit('app-2', joined())).toBe(1);
        await eventually(
          () => hook.on('/x').length,
          (n) => n === 1,
          "app-2's delivery",
        );
      },
      TEST_TIMEOUT_MS,
    );
  });
}
