import { totalBackoffMs } from '@relaybox/core';
import { describe, expect, it } from 'vitest';
import { MemoryDeadLetterList } from './memory-dead-letter-list.js';
import { MemoryDeliveryBudget } from './memory-delivery-budget.js';
import { MemoryDeliveryLog } from './memory-delivery-log.js';
import { MemoryJobQueue } from './memory-job-queue.js';
import { WEBHOOK_ATTEMPTS, webhookJobId, webhookQueue } from './queues/webhook/queue.js';
import { describeWebhookDelivery } from './testing/webhook-delivery-suite.js';
import { describeWebhookRecords } from './testing/webhook-records-suite.js';

describeWebhookDelivery('MemoryJobQueue', () => {
  const queue = new MemoryJobQueue();
  return {
    queue,
    log: new MemoryDeliveryLog(),
    deadLetters: new MemoryDeadLetterList(),
    budget: (options) => new MemoryDeliveryBudget(options),
    dispose: () => queue.close(),
  };
});

describe('webhook queue definition', () => {
  it('retries for more than 30 minutes by default: 13 tries, doubling from 1 s', () => {
    const { defaults, name } = webhookQueue();
    expect(name).toBe('webhook');
    expect(defaults).toEqual({ attempts: 13, backoff: { type: 'exponential', delayMs: 1000 } });
    expect(totalBackoffMs(defaults.backoff, WEBHOOK_ATTEMPTS)).toBe(4_095_000);
    expect(totalBackoffMs(defaults.backoff, WEBHOOK_ATTEMPTS)).toBeGreaterThan(30 * 60_000);
  });

  it('takes a shorter base delay and attempts for tests', () => {
    expect(webhookQueue({ baseDelayMs: 5, attempts: 3 }).defaults).toEqual({
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 5 },
    });
  });

  it('names a job after the event and the endpoint', () => {
    expect(webhookJobId('evt_1', 'ep-1')).toBe('evt_1:ep-1');
  });
});

describeWebhookRecords('memory', () => ({
  log: new MemoryDeliveryLog(),
  deadLetters: new MemoryDeadLetterList(),
  dispose: async () => {},
}));
