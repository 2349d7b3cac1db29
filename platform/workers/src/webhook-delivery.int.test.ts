import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { RedisDeadLetterList } from './redis-dead-letter-list.js';
import { RedisDeliveryBudget } from './redis-delivery-budget.js';
import { RedisDeliveryLog } from './redis-delivery-log.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './testing/redis-keys.js';
import { describeWebhookDelivery } from './testing/webhook-delivery-suite.js';
import { describeWebhookRecords } from './testing/webhook-records-suite.js';
import { createWebhookEvent } from './webhook-events.js';

describeWebhookDelivery('BullMqJobQueue + Redis stores', () => {
  const prefix = uniquePrefix();
  const queue = new BullMqJobQueue({ url: REDIS_URL, prefix: `${prefix}:bull` });
  const log = new RedisDeliveryLog({ url: REDIS_URL, prefix: `${prefix}:` });
  const deadLetters = new RedisDeadLetterList({ url: REDIS_URL, prefix: `${prefix}:` });
  const budgets: RedisDeliveryBudget[] = [];
  return {
    queue,
    log,
    deadLetters,
    budget: (options) => {
      const budget = new RedisDeliveryBudget({ ...options, url: REDIS_URL, prefix: `${prefix}:` });
      budgets.push(budget);
      return budget;
    },
    dispose: async () => {
      await queue.close();
      await Promise.all([log.close(), deadLetters.close(), ...budgets.map((b) => b.close())]);
      await deleteKeys(prefix);
    },
  };
});

describeWebhookRecords('Redis', () => {
  const prefix = uniquePrefix();
  const log = new RedisDeliveryLog({ url: REDIS_URL, prefix: `${prefix}:` });
  const deadLetters = new RedisDeadLetterList({ url: REDIS_URL, prefix: `${prefix}:` });
  return {
    log,
    deadLetters,
    dispose: async () => {
      await Promise.all([log.close(), deadLetters.close()]);
      await deleteKeys(prefix);
    },
  };
});

describe('Redis webhook keys', () => {
  it('keeps the log per endpoint and dead letters per app under the prefix, with the app as hash tag', async () => {
    const prefix = uniquePrefix();
    const log = new RedisDeliveryLog({ url: REDIS_URL, prefix: `${prefix}:` });
    const deadLetters = new RedisDeadLetterList({ url: REDIS_URL, prefix: `${prefix}:` });
    const admin = new Redis(REDIS_URL);
    try {
      await log.record('app-1', 'ep-1', {
        eventId: 'e',
        type: 'room.left',
        attempt: 1,
        status: 200,
        latencyMs: 1,
        at: 1,
      });
      await deadLetters.add({
        appId: 'app-1',
        endpointId: 'ep-1',
        event: createWebhookEvent('room.left', { connectionId: 'c', clientId: 'a', room: 'r' }),
        attempts: 1,
        reason: 'rejected',
        lastStatus: 400,
        failedAt: 1,
      });
      expect((await admin.keys(`${prefix}:*`)).sort()).toEqual([
        `${prefix}:webhooks:{app-1}:dead`,
        `${prefix}:webhooks:{app-1}:log:ep-1`,
      ]);
    } finally {
      await Promise.all([log.close(), deadLetters.close()]);
      admin.disconnect();
      await deleteKeys(prefix);
    }
  });
});
