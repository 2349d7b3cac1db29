import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetter, DeadLetterList } from '../dead-letter-list.js';
import type { DeliveryAttempt, DeliveryLog } from '../delivery-log.js';
import { createWebhookEvent } from '../webhook-events.js';

export interface WebhookRecordsContext {
  log: DeliveryLog;
  deadLetters: DeadLetterList;
  dispose(): Promise<void>;
}

const attempt = (n: number): DeliveryAttempt => ({
  eventId: `evt_${n}`,
  type: 'room.joined',
  attempt: 1,
  status: 500,
  latencyMs: n,
  at: 1_700_000_000_000 + n,
});

const letter = (appId: string, n: number): DeadLetter => ({
  appId,
  endpointId: 'ep',
  event: createWebhookEvent(
    'connection.opened',
    { connectionId: 'c', clientId: 'a' },
    { id: `evt_${n}`, createdAt: n },
  ),
  attempts: 13,
  reason: 'exhausted',
  lastError: 'timeout',
  failedAt: n,
});

/** The bounds and separation of the delivery log and the dead-letter list of one technology. */
export function describeWebhookRecords(name: string, factory: () => WebhookRecordsContext): void {
  describe(`webhook records: ${name}`, () => {
    let ctx: WebhookRecordsContext;
    beforeEach(() => {
      ctx = factory();
    });
    afterEach(() => ctx.dispose());

    it('keeps the last 100 attempts per endpoint, newest first, apart per app and endpoint', async () => {
      for (let n = 1; n <= 105; n++) await ctx.log.record('app-1', 'ep-1', attempt(n));
      await ctx.log.record('app-1', 'ep-2', attempt(1000));
      await ctx.log.record('app-2', 'ep-1', attempt(2000));
      const recent = await ctx.log.recent('app-1', 'ep-1');
      expect(recent).toHaveLength(100);
      expect(recent[0]).toEqual(attempt(105));
      expect(recent[99]).toEqual(attempt(6));
      expect((await ctx.log.recent('app-1', 'ep-1', 3)).map((a) => a.eventId)).toEqual([
        'evt_105',
        'evt_104',
        'evt_103',
      ]);
      expect(await ctx.log.recent('app-1', 'ep-2')).toEqual([attempt(1000)]);
      expect(await ctx.log.recent('app-2', 'ep-1')).toEqual([attempt(2000)]);
      expect(await ctx.log.recent('app-2', 'ep-2')).toEqual([]);
    });

    it('keeps the last 1000 dead letters per app, newest first', async () => {
      const dropped = await Promise.all(
        Array.from({ length: 1005 }, (_, i) => ctx.deadLetters.add(letter('app-1', i + 1))),
      );
      expect(dropped.flat()).toHaveLength(5);
      const newest = await ctx.deadLetters.list('app-1', 1000);
      // The next add drops exactly the oldest letter still listed, and says so.
      expect(await ctx.deadLetters.add(letter('app-1', 5000))).toEqual([newest[999]]);
      expect(await ctx.deadLetters.add(letter('app-2', 6000))).toEqual([]);
      const all = await ctx.deadLetters.list('app-1');
      expect(all).toHaveLength(1000);
      expect(all[0]).toEqual(letter('app-1', 5000));
      expect(new Set(all.map((l) => l.event.id)).size).toBe(1000);
      expect(await ctx.deadLetters.list('app-1', 2)).toEqual(all.slice(0, 2));
      expect(await ctx.deadLetters.list('app-2')).toEqual([letter('app-2', 6000)]);
      expect(await ctx.deadLetters.list('app-3')).toEqual([]);
    });

    it('takes one letter by (endpoint, event id) once, in its own app only', async () => {
      await ctx.deadLetters.add(letter('app-1', 1));
      await ctx.deadLetters.add(letter('app-1', 2));
      await ctx.deadLetters.add(letter('app-2', 1));
      expect(await ctx.deadLetters.take('app-1', 'other-ep', 'evt_1')).toBeUndefined();
      const taken = await Promise.all([
        ctx.deadLetters.take('app-1', 'ep', 'evt_1'),
        ctx.deadLetters.take('app-1', 'ep', 'evt_1'),
      ]);
      expect(taken.filter(Boolean)).toEqual([letter('app-1', 1)]);
      expect((await ctx.deadLetters.list('app-1')).map((l) => l.event.id)).toEqual(['evt_2']);
      expect(await ctx.deadLetters.list('app-2')).toEqual([letter('app-2', 1)]);
    });
  });
}
