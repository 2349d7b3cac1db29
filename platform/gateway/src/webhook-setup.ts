import {
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
