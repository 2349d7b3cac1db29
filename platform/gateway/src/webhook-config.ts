import { DEFAULT_APP_DELIVERY_BUDGET } from '@relaybox/workers';

/** Webhook delivery settings of a gateway or worker process (docs/configuration.md). */
export interface WebhookSettings {
  /**
   * `RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS`: whether deliveries may reach loopback, private,
   * link-local, multicast and unspecified addresses. Default on for the local engines, off with
   * `RELAYBOX_ENV=production` or `RELAYBOX_KEY_SOURCE=cloud` (endpoints set by strangers: SSRF).
   */
  readonly webhookAllowPrivateNetworks: boolean;
  /** `RELAYBOX_WEBHOOK_APP_BUDGET`: delivery tries per app per minute, every worker together. */
  readonly webhookAppBudget: number;
}

type Env = Record<string, string | undefined>;

export function webhookSettings(
  env: Env,
  parse: {
    flag(name: string, raw: string | undefined, fallback: boolean): boolean;
    int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number;
  },
): WebhookSettings {
  const exposed = env.RELAYBOX_ENV === 'production' || env.RELAYBOX_KEY_SOURCE === 'cloud';
  return {
    webhookAllowPrivateNetworks: parse.flag(
      'RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS',
      env.RELAYBOX_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      !exposed,
    ),
    webhookAppBudget: parse.int(
      'RELAYBOX_WEBHOOK_APP_BUDGET',
      env.RELAYBOX_WEBHOOK_APP_BUDGET,
      DEFAULT_APP_DELIVERY_BUDGET,
      1,
      10_000_000,
    ),
  };
}
