import type { WebhookEndpoint, WebhookEndpointResolver } from '@relaybox/core';

/** A fixed list of endpoints (the local apps file's resolver lives in @relaybox/adapters). */
export class StaticWebhookEndpoints implements WebhookEndpointResolver {
  constructor(private readonly all: readonly WebhookEndpoint[]) {}

  async endpointsFor(appId: string): Promise<readonly WebhookEndpoint[]> {
    return this.all.filter((e) => e.appId === appId);
  }

  async get(appId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    return this.all.find((e) => e.appId === appId && e.id === endpointId);
  }
}
