import { type CloudLog, DeadLetterReporter, DeliveryReporter } from '@relaybox/adapters';
import {
  type DeadLetterList,
  type DeliveryLog,
  InboxWebhookEndpoints,
  MemoryWebhookInbox,
  RedisWebhookInbox,
  type WebhookInbox,
} from '@relaybox/workers';
import type { GatewayConfig } from './config.js';
import type { AppWebhookEndpoints } from './key-source.js';

export interface WebhookEndpointsSetup {
  endpoints: AppWebhookEndpoints & { forget?(appId: string): void };
  /** The webhook inbox (local engines, not production); shared through Redis in redis store mode. */
  inbox?: WebhookInbox;
}

/**
 * The endpoints webhooks go to: the configured ones, plus each app's webhook inbox in the local
 * engines (a gateway and a separate worker process must both see it: they resolve it the same way).
 */
export function webhookEndpoints(
  config: Pick<GatewayConfig, 'keySource' | 'env' | 'store' | 'redisUrl' | 'redisPrefix'>,
  configured: AppWebhookEndpoints,
): WebhookEndpointsSetup {
  if (config.keySource === 'cloud' || config.env === 'production') return { endpoints: configured };
  const inbox =
    config.store === 'redis'
      ? new RedisWebhookInbox({ url: config.redisUrl, prefix: config.redisPrefix })
      : new MemoryWebhookInbox();
  return { endpoints: new InboxWebhookEndpoints(configured, inbox), inbox };
}

/**
 * Cloud mode: every try recorded in `log` is also reported to the control plane (batched), so the
 * dashboard's delivery log shows real deliveries. Elsewhere `log` as is.
 */
export function reportedDeliveryLog(
  config: Pick<GatewayConfig, 'controlPlane'>,
  log: DeliveryLog,
  cloudLog?: CloudLog,
): DeliveryLog & { close?(): Promise<void> } {
  if (!config.controlPlane) return log;
  const reporter = new DeliveryReporter({
    ...config.controlPlane,
    ...(cloudLog ? { log: cloudLog } : {}),
  }).start();
  return {
    recent: (appId, endpointId, limit) => log.recent(appId, endpointId, limit),
    record: async (appId, endpointId, attempt) => {
      await log.record(appId, endpointId, attempt);
      const { eventId, type, attempt: n, status, error, latencyMs, at } = attempt;
      reporter.report({
        appId,
        endpointId,
        eventId,
        type,
        attempt: n,
        ...(status === undefined ? {} : { status }),
        ...(error === undefined ? {} : { error: error.slice(0, 500) }),
        latencyMs,
        at,
      });
    },
    close: async () => {
      await reporter.stop();
      await (log as { close?: () => Promise<void> }).close?.();
    },
  };
}

/**
 * Cloud mode: every dead-letter move (`add`), every letter taken off the list (`take`: a requeue)
 * and every letter the list's bound dropped to make room (expired) is also reported to the control plane (batched, in order), so the dashboard's dead-letter list
 * mirrors the shared Redis one. The Redis list stays the truth: a report that fails is only logged.
 */
export function reportedDeadLetters(
  config: Pick<GatewayConfig, 'controlPlane'>,
  list: DeadLetterList,
  cloudLog?: CloudLog,
): DeadLetterList & { close?(): Promise<void> } {
  if (!config.controlPlane) return list;
  const reporter = new DeadLetterReporter({
    ...config.controlPlane,
    ...(cloudLog ? { log: cloudLog } : {}),
  }).start();
  return {
    list: (appId, limit) => list.list(appId, limit),
    add: async (letter) => {
      const dropped = await list.add(letter);
      const { appId, endpointId, event, attempts, reason, lastStatus, lastError, failedAt } = letter;
      reporter.report({
        op: 'add',
        appId,
        endpointId,
        eventId: event.id,
        type: event.type,
        attempts,
        reason,
        ...(lastStatus === undefined ? {} : { lastStatus }),
        ...(lastError === undefined ? {} : { lastError: lastError.slice(0, 500) }),
        failedAt,
      });
      // Expired: the list's bound dropped these to make room.
      for (const old of dropped) {
        reporter.report({
          op: 'remove',
          appId,
          endpointId: old.endpointId,
          eventId: old.event.id,
          failedAt: old.failedAt,
        });
      }
      return dropped;
    },
    take: async (appId, endpointId, eventId) => {
      const letter = await list.take(appId, endpointId, eventId);
      if (letter) reporter.report({ op: 'remove', appId, endpointId, eventId, failedAt: letter.failedAt });
      return letter;
    },
    close: async () => {
      await reporter.stop();
      await (list as { close?: () => Promise<void> }).close?.();
    },
  };
}
