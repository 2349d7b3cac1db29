import type { WebhookEndpoint, WebhookEndpointResolver } from '@relaybox/core';

/**
 * WebhookEndpointResolver for local development, held in memory and built from the `webhooks` of
 * the local apps file (see `loadLocalApps`). Fixed for the life of the process; lookups by
 * (appId, endpointId) never cross apps.
 */
export class LocalWebhookEndpoints implements WebhookEndpointResolver {
  private readonly byApp = new Map<string, readonly WebhookEndpoint[]>();

  constructor(endpoints: readonly WebhookEndpoint[]) {
    for (const endpoint of endpoints) {
      const frozen = Object.freeze({
        ...endpoint,
        events: Object.freeze([...endpoint.events]),
        rooms: endpoint.rooms && Object.freeze([...endpoint.rooms]),
      });
      this.byApp.set(endpoint.appId, Object.freeze([...(this.byApp.get(endpoint.appId) ?? []), frozen]));
    }
  }

  /** True when at least one app has an endpoint (no webhook machinery is started otherwise). */
  hasAny(): boolean {
    return this.byApp.size > 0;
  }

  async endpointsFor(appId: string): Promise<readonly WebhookEndpoint[]> {
    return this.byApp.get(appId) ?? [];
  }

  async get(appId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    return this.byApp.get(appId)?.find((endpoint) => endpoint.id === endpointId);
  }

  /** Every endpoint, for the console. */
  list(): WebhookEndpoint[] {
    return [...this.byApp.values()].flat();
  }
}
