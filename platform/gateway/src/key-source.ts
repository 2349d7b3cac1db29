import {
  type AppUsageTotals,
  CloudAppConfig,
  CloudKeyStore,
  loadLocalApps,
  UsageReporter,
} from '@relaybox/adapters';
import type {
  AppAuthConfig,
  HistoryRetention,
  IdentityProviderConfig,
  KeyStore,
  WebhookEndpointResolver,
} from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { type AppPolicy, appPolicyFrom } from './app-policy.js';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';
import { type WebhookRequeue, WebhookRequeues } from './webhook-requeues.js';

/** Webhook endpoints of every app; `hasAny()` false: no webhook machinery is started. */
export type AppWebhookEndpoints = WebhookEndpointResolver & { hasAny(): boolean };

/** What `watchConnections` needs of the gateway. */
export interface KeyConnections {
  openKeys(): Array<{ appId: string; keyId: string }>;
  closeConnectionsOfKey(appId: string, keyId: string | undefined, reason: string): number;
}

export interface KeySource {
  keys: KeyStore;
  /** The dev API key in effect (local mode without an apps file); never in cloud mode. */
  devApiKey: string | undefined;
  /** Cloud mode: whether the control plane knows the app (local mode: the admin API's known apps). */
  appExists?(appId: string): Promise<boolean>;
  webhooks: AppWebhookEndpoints;
  retention: Map<string, Partial<HistoryRetention>>;
  /** Local mode: the apps with a user pool (docs/auth.md). */
  auth?: Map<string, AppAuthConfig>;
  /**
   * Cloud mode: an app's user pool from its control-plane config (cached like its other settings,
   * reloaded on `app-updated`); undefined: none. Throws `store_unavailable` while the control plane
   * cannot answer.
   */
  authConfig?(appId: string): Promise<AppAuthConfig | undefined>;
  /** Local mode: the external identity providers of the apps file. */
  identityProviders?: IdentityProviderConfig[];
  /**
   * Cloud mode: closes open connections whose key was revoked (pushed), and re-checks the keys of
   * open connections whenever the revocation stream (re)connects, since events may have been missed.
   */
  watchConnections?(connections: KeyConnections): void;
  /**
   * Cloud mode: closes the open connections of an app's end user whose sessions were revoked (or
   * who was disabled) in the dashboard, pushed as `user-revoked` on the key event stream.
   */
  watchUsers?(close: (appId: string, userId: string) => number): void;
  /**
   * Cloud mode: queues a dead letter again when the dashboard asks (`webhook-requeue` pushed on the
   * key event stream) and answers the control plane (webhook-requeues.ts).
   */
  watchRequeues?(requeue: WebhookRequeue): void;
  /** Cloud mode: reports per-app usage to the control plane every 10 s until `stop()` (which flushes). */
  reportUsage?(read: () => Iterable<AppUsageTotals>): { stop(): Promise<void> };
  /** Cloud mode: an app's settings (retention) changed or it was deleted; `retention` is updated first. */
  onSettingsChanged?(listener: (appId: string) => void): void;
  /**
   * Cloud mode: the app's limits and allowed origins (app-policy.ts), from its settings cached up to
   * 30 s; the last known ones while the control plane is unreachable; undefined: gateway defaults.
   */
  appPolicy?(appId: string): Promise<AppPolicy | undefined>;
}

/**
 * Where apps and their keys come from (`RELAYBOX_KEY_SOURCE`): `local` reads the apps file or makes
 * the dev app; `cloud` resolves keys, webhook endpoints and history retention from the control
 * plane, and per-app limits and allowed origins (no apps file, no dev key).
 */
export function createKeySource(config: GatewayConfig, log: Logger): KeySource {
  const { controlPlane } = config;
  if (config.keySource === 'cloud' && controlPlane) return cloudSource(config, controlPlane, log);
  return loadLocalApps({ appsFile: config.appsFile, dataDir: config.dataDir, devApiKey: config.devApiKey });
}

function cloudSource(
  config: GatewayConfig,
  controlPlane: NonNullable<GatewayConfig['controlPlane']>,
  log: Logger,
): KeySource {
  const cloudKeys = new CloudKeyStore({ ...controlPlane, log }).start();
  const retention = new Map<string, Partial<HistoryRetention>>();
  // Last known policy of each app seen (dropped when the app is deleted).
  const policies = new Map<string, AppPolicy>();
  const changed = new Set<(appId: string) => void>();
  const settingsChanged = (appId: string) => {
    for (const listener of changed) listener(appId);
  };
  // App settings (webhook endpoints, retention) are cached 30 s; a changed (`app-updated`) or deleted
  // app is dropped at once.
  const apps = new CloudAppConfig({
    ...controlPlane,
    log,
    onLoaded: ({ appId, retention: next, settings }) => {
      const warn = (message: string, fields: Record<string, unknown>) =>
        log.warn(message, { appId, ...fields });
      policies.set(appId, appPolicyFrom(settings, config.limits, warn));
      const before = retention.get(appId);
      if (before?.maxMessages === next.maxMessages && before?.maxAgeMs === next.maxAgeMs) return;
      retention.set(appId, next);
      settingsChanged(appId);
    },
  });
  // Pushed `app-updated`: the next connection or webhook of the app loads its new settings.
  cloudKeys.onAppUpdated((appId) => apps.invalidate(appId));
  cloudKeys.onResync(() => apps.invalidateAll());
  cloudKeys.onInvalidate(({ appId, keyId }) => {
    if (keyId !== undefined) return;
    apps.invalidate(appId);
    policies.delete(appId);
    if (retention.delete(appId)) settingsChanged(appId);
  });
  // Every key found also (re)loads its app's settings, so they are known before its first publish.
  const keys: KeyStore = {
    getKey: async (appId, keyId) => {
      const key = await cloudKeys.getKey(appId, keyId);
      if (key)
        apps
          .app(appId)
          .catch((error: unknown) => log.warn('app settings unavailable', { appId, error: String(error) }));
      return key;
    },
    close: () => cloudKeys.close(),
  };
  log.info('keys from the control plane', { url: controlPlane.url });
  return {
    keys,
    devApiKey: undefined,
    webhooks: apps,
    retention,
    watchConnections: (connections) => watchConnections(cloudKeys, keys, connections, log),
    watchUsers: (close) => {
      cloudKeys.onUserRevoked(({ appId, userId }) => {
        const closed = close(appId, userId);
        if (closed > 0) log.info('closed connections of a revoked user', { appId, closed });
      });
    },
    watchRequeues: (requeue) => {
      const requeues = new WebhookRequeues(controlPlane, requeue, log);
      cloudKeys.onWebhookRequeue((event) => void requeues.handle(event));
    },
    reportUsage: (read) => new UsageReporter({ ...controlPlane, nodeId: config.nodeId, read, log }).start(),
    onSettingsChanged: (listener) => changed.add(listener),
    appExists: async (appId) => (await apps.app(appId)) !== undefined,
    authConfig: async (appId) => {
      try {
        return (await apps.app(appId))?.auth;
      } catch (error) {
        throw new RelayBoxError(ErrorCode.StoreUnavailable, 'app settings are unavailable; retry', {
          cause: error,
        });
      }
    },
    appPolicy: async (appId) => {
      const app = await apps.app(appId).catch((error: unknown) => {
        log.warn('app settings unavailable; using the last known', { appId, error: String(error) });
        return null;
      });
      if (app === undefined) policies.delete(appId);
      return policies.get(appId);
    },
  };
}

function watchConnections(
  cloudKeys: CloudKeyStore,
  keys: KeyStore,
  connections: KeyConnections,
  log: Logger,
): void {
  const close = (appId: string, keyId: string | undefined) => {
    const closed = connections.closeConnectionsOfKey(appId, keyId, 'API key revoked');
    if (closed > 0) log.info('closed connections of a revoked key', { appId, keyId, closed });
  };
  cloudKeys.onInvalidate(({ appId, keyId }) => close(appId, keyId));
  let checking = false;
  cloudKeys.onResync(() => {
    if (checking) return;
    checking = true;
    // One lookup at a time (each distinct key once): gentle on a control plane that just came back.
    void (async () => {
      for (const { appId, keyId } of connections.openKeys()) {
        const key = await keys.getKey(appId, keyId).catch(() => null);
        if (key === undefined) close(appId, keyId);
      }
    })().finally(() => {
      checking = false;
    });
  });
}
