import {
  MemoryInspectorStore,
  MemoryTraceLog,
  RedisInspectorStore,
  RedisTraceLog,
  readAppsFile,
} from '@relaybox/adapters';
import { type InspectorStore, parseApiKey, type TraceLog } from '@relaybox/core';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { Tracer } from '../tracing/tracer.js';
import type { AdminSetup } from './inspector.js';
import { localAdminToken } from './local-admin-token.js';

export interface InspectorParts {
  tracer: Tracer;
  /** Undefined: the admin API is disabled (production without a token). */
  admin: AdminSetup | undefined;
  adminToken: string | undefined;
  close(): Promise<void>;
}

export interface InspectorOverrides {
  snapshots?: InspectorStore;
  traces?: TraceLog;
}

/**
 * The inspector's parts from the config: the admin token (given, or generated once per data dir in
 * local engines; none in production without one: the API is disabled), the snapshot store and trace
 * log (Redis in redis store mode, so every gateway sees the whole cluster), and the tracer.
 */
export function createInspectorParts(
  config: GatewayConfig,
  log: Logger,
  devApiKey: string | undefined,
  overrides: InspectorOverrides = {},
): InspectorParts {
  const adminToken =
    config.adminToken ?? (config.env === 'production' ? undefined : localAdminToken(config.dataDir));
  if (!adminToken && !config.tracing)
    return { tracer: Tracer.off, admin: undefined, adminToken, close: async () => {} };
  const redis = { url: config.redisUrl, prefix: config.redisPrefix };
  const traces =
    overrides.traces ?? (config.store === 'redis' ? new RedisTraceLog(redis) : new MemoryTraceLog());
  const snapshots =
    overrides.snapshots ??
    (config.store === 'redis' ? new RedisInspectorStore(redis) : new MemoryInspectorStore());
  let warned = false;
  const tracer = config.tracing
    ? new Tracer(traces, config.nodeId, {
        onError: (error) => {
          if (warned) return;
          warned = true;
          log.warn('trace events could not be stored', { error: String(error) });
        },
      })
    : Tracer.off;
  const admin = adminToken
    ? {
        token: adminToken,
        allowRemote: config.adminAllowRemote,
        snapshots,
        traces,
        apps: knownApps(config, devApiKey),
        tracing: config.tracing,
      }
    : undefined;
  return {
    tracer,
    admin,
    adminToken,
    close: async () => {
      const owned = [overrides.traces ? undefined : traces, overrides.snapshots ? undefined : snapshots];
      await Promise.allSettled(owned.map((store) => store?.close()));
    },
  };
}

function knownApps(config: GatewayConfig, devApiKey: string | undefined): string[] {
  const apps = new Set<string>();
  if (config.appsFile && config.keySource !== 'cloud') {
    try {
      for (const key of readAppsFile(config.appsFile).keys) apps.add(key.appId);
    } catch {
      // Already reported when the keys were loaded.
    }
  }
  const dev = devApiKey ? parseApiKey(devApiKey) : null;
  if (dev) apps.add(dev.appId);
  return [...apps].sort();
}
