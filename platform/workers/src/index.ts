export { BullMqJobQueue, type BullMqJobQueueOptions } from './bullmq-job-queue.js';
export { DEAD_LETTER_LIMIT, type DeadLetter, type DeadLetterList } from './dead-letter-list.js';
export {
  budgetWindow,
  DEFAULT_APP_DELIVERY_BUDGET,
  DEFAULT_DELIVERY_BUDGET_WINDOW_MS,
  type DeliveryBudget,
  type DeliveryBudgetOptions,
} from './delivery-budget.js';
export { DELIVERY_LOG_SIZE, type DeliveryAttempt, type DeliveryLog } from './delivery-log.js';
export { receiveInboxDelivery } from './inbox-receiver.js';
export { INBOX_CACHE_MS, InboxWebhookEndpoints } from './inbox-webhook-endpoints.js';
export { MemoryDeadLetterList } from './memory-dead-letter-list.js';
export { MemoryDeliveryBudget } from './memory-delivery-budget.js';
export { MemoryDeliveryLog } from './memory-delivery-log.js';
export { MemoryJobQueue, type MemoryJobQueueOptions } from './memory-job-queue.js';
export { MemoryWebhookInbox } from './memory-webhook-inbox.js';
export { type HistoryDeps, processHistoryJob } from './queues/history/processor.js';
export { HISTORY_QUEUE_NAME, type HistoryJobData, historyQueue, trimJobId } from './queues/history/queue.js';
export { processSessionsJob, type SessionsDeps } from './queues/sessions/processor.js';
export {
  SESSIONS_QUEUE_NAME,
  type SessionsJobData,
  sessionsQueue,
  sweepJobId,
} from './queues/sessions/queue.js';
export {
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  processWebhook,
  WebhookDeliveryError,
  type WebhookDeps,
} from './queues/webhook/processor.js';
export {
  WEBHOOK_ATTEMPTS,
  WEBHOOK_BASE_DELAY_MS,
  WEBHOOK_CONCURRENCY,
  WEBHOOK_QUEUE_NAME,
  type WebhookJobData,
  type WebhookJobDataV1,
  type WebhookQueueOptions,
  webhookJobId,
  webhookQueue,
} from './queues/webhook/queue.js';
export type { RedisListOptions } from './redis-capped-lists.js';
export { RedisDeadLetterList } from './redis-dead-letter-list.js';
export { RedisDeliveryBudget } from './redis-delivery-budget.js';
export { RedisDeliveryLog } from './redis-delivery-log.js';
export { RedisWebhookInbox } from './redis-webhook-inbox.js';
export { WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.js';
export {
  type ConnectionClosedEventData,
  type ConnectionEventData,
  createWebhookEvent,
  type MessageEventData,
  type PresenceEventData,
  type RoomEventData,
  type WebhookEvent,
  type WebhookEventDataMap,
  WebhookEventType,
} from './webhook-events.js';
export {
  INBOX_DELIVERIES_KEPT,
  INBOX_MAX_BODY_BYTES,
  type InboxRecord,
  type WebhookInbox,
} from './webhook-inbox.js';
