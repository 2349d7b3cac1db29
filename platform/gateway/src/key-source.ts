import {
  type AppUsageTotals,
  CloudAppConfig,
  CloudKeyStore,
  loadLocalApps,
  UsageReporter,
} from '@relaybox/adapters';
import type { HistoryRetention, KeyStore, WebhookEndpointResolver } from '@relaybox/core';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';

/** Webhook endpoints of every app; `hasAny()` false: no webhook machinery is started. */
export type AppWebhookEndpoints = WebhookEndpointResolver & { hasAny(): boolean };

export interface KeySource {
  keys: KeyStore;
  /** The dev API key in effect (local mode without an apps file); never in cloud mode. */
  devApiKey: string | undefined;
  webhooks: AppWebhookEndpoints;
  retention: Map<string, Partial<HistoryRetention>>;
  /** Cloud mode: called for every pushed revocation (`keyId` undefined: the whole app was deleted). */
  onRevoked?(listener: (appId: string, keyId: string | undefined) => void): void;
  /** Cloud mode: reports per-app usage to the control plane every 10 s until `stop()` (which flushes). */
  reportUsage?(read: () => Iterable<AppUsageTotals>): { stop(): Promise<void> };
}

/**
 * Where apps and their keys come from (`RELAYBOX_KEY_SOURCE`): `local` reads the apps file or makes
 * the dev app; `cloud` resolves keys and webhook endpoints from the control plane (no apps file,
 * no dev key; per-app retention and limits are not read from it yet: the gateway defaults apply).
 */
export function createKeySource(config: GatewayConfig, log: Logger): KeySource {
  const { controlPlane } = config;
  if (config.keySource === 'cloud' && controlPlane) {
    const keys = new CloudKeyStore({ ...controlPlane, log }).start();
    // Webhook endpoints come from the control plane too (cached 30 s; a deleted app at once).
    const apps = new CloudAppConfig({ ...controlPlane, log });
    keys.onInvalidate(({ appId, keyId }) => {
      if (keyId === undefined) apps.invalidate(appId);
    });
    log.info('keys from the control plane', { url: controlPlane.url });
    return {
      keys,
      devApiKey: undefined,
      webhooks: apps,
      retention: new Map(),
      onRevoked: (listener) => keys.onInvalidate(({ appId, keyId }) => listener(appId, keyId)),
      reportUsage: (read) => new UsageReporter({ ...controlPlane, nodeId: config.nodeId, read, log }).start(),
    };
  }
  return loadLocalApps({ appsFile: config.appsFile, dataDir: config.dataDir, devApiKey: config.devApiKey });
}
