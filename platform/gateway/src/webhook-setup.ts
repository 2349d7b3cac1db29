import { type CloudLog, DeliveryReporter } from '@relaybox/adapters';
import {
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
