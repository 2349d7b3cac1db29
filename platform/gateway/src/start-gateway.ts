import { randomBytes } from 'node:crypto';
import {
  AmqpBroker,
  MemoryBroker,
  MemoryConnectionQuota,
  MemoryHistoryStore,
  MemoryPresenceStore,
  MemoryRoomMetricsStore,
  MemorySessionStore,
  RedisConnectionQuota,
  RedisHistoryStore,
  RedisPresenceStore,
  RedisRoomMetricsStore,
  RedisSessionStore,
} from '@relaybox/adapters';
import {
  type Broker,
  type ConnectionQuota,
  HistoryCursor,
  type HistoryStore,
  type KeyStore,
  type PresenceStore,
  type RoomMetricsStore,
  type SessionStore,
} from '@relaybox/core';
import {
  BullMqJobQueue,
  DEFAULT_DELIVERY_BUDGET_WINDOW_MS,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  MemoryDeadLetterList,
  MemoryDeliveryBudget,
  MemoryDeliveryLog,
  MemoryJobQueue,
  processWebhook,
  RedisDeadLetterList,
  RedisDeliveryBudget,
  RedisDeliveryLog,
  WEBHOOK_CONCURRENCY,
  type WebhookDeps,
  WebhookDispatcher,
  webhookQueue,
} from '@relaybox/workers';
import { createInspectorParts, type InspectorOverrides } from './admin/admin-config.js';
import { type AdminWebhooksSetup, WebhookAdmin } from './admin/webhook-admin.js';
import { createAuth } from './auth-setup.js';
import type { GatewayConfig } from './config.js';
import { Gateway } from './gateway.js';
import { type AppWebhookEndpoints, createKeySource } from './key-source.js';
import { createLogger, type Logger } from './logger.js';
import { tracedDeadLetters } from './tracing/job-traces.js';
import { createOtelExport, type OtelExport } from './tracing/otel-export.js';
import { tracedDeliveryLog } from './tracing/traced-delivery-log.js';
import type { Tracer } from './tracing/tracer.js';
import { loadUws } from './uws/load-uws.js';
import { WebhookHooks } from './webhook-hooks.js';
import { reportedDeadLetters, reportedDeliveryLog, webhookEndpoints } from './webhook-setup.js';

export interface RunningGateway {
  gateway: Gateway;
  port: number;
  url: string;
  devApiKey: string | undefined;
  /** Bearer token of the admin API; undefined when it is disabled (production without a token). */
  adminToken: string | undefined;
  shutdown(): Promise<void>;
}

export interface StartOverrides {
  log?: Logger;
  keys?: KeyStore;
  broker?: Broker;
  history?: HistoryStore;
  presence?: PresenceStore;
  sessions?: SessionStore;
  roomMetrics?: RoomMetricsStore;
  connections?: ConnectionQuota;
  /** Inspector snapshot store and trace log (share them to make in-process gateways one cluster). */
  inspector?: InspectorOverrides;
}

/**
 * Composition root of a gateway process: picks the adapters the config names and starts the node.
 * Tests call it with overrides to run several gateways in one process.
 */
export async function startGateway(
  config: GatewayConfig,
  overrides: StartOverrides = {},
): Promise<RunningGateway> {
  const log = overrides.log ?? createLogger(config.logLevel, { nodeId: config.nodeId });
  const { uws, build: uwsBuild } = loadUws();
  log.info('uWebSockets.js loaded', { version: uwsBuild.version, package: uwsBuild.alias });
  const local = createKeySource(config, log);
  const keys = overrides.keys ?? local.keys;
  const devApiKey = overrides.keys ? undefined : local.devApiKey;
  const inspector = createInspectorParts(config, log, local.devApiKey, overrides.inspector);
  const instanceId = `${config.nodeId}.${randomBytes(4).toString('hex')}`;
  const otel = createOtelExport(config.otel, { role: 'gateway', nodeId: config.nodeId, instanceId }, log);
  const webhooks = createWebhooks(config, local.webhooks, log, inspector.tracer, otel);
  const broker = overrides.broker ?? createBroker(config, log);
  const cursors = new HistoryCursor(config.cursorSecret);
  const history =
    overrides.history ??
    (config.store === 'redis'
      ? new RedisHistoryStore({
          url: config.redisUrl,
          prefix: config.redisPrefix,
          cursors,
          appendBatchMaxMessages: config.historyBatchMaxMessages,
        })
      : new MemoryHistoryStore({ cursors }));
  const redis = { url: config.redisUrl, prefix: config.redisPrefix };
  const presence =
    overrides.presence ??
    (config.store === 'redis' ? new RedisPresenceStore(redis) : new MemoryPresenceStore());
  const sessions =
    overrides.sessions ??
    (config.store === 'redis' ? new RedisSessionStore(redis) : new MemorySessionStore());
  const roomMetrics =
    overrides.roomMetrics ??
    (config.store === 'redis' ? new RedisRoomMetricsStore(redis) : new MemoryRoomMetricsStore());
  const connections =
    overrides.connections ??
    (config.store === 'redis' ? new RedisConnectionQuota(redis) : new MemoryConnectionQuota());
  // Maintenance jobs (dead-gateway sweep, history trim) recur every few seconds: their ids only
  // need to dedupe within a period, so finished ones are not kept long.
  const jobs =
    config.store === 'redis'
      ? new BullMqJobQueue({
          url: config.redisUrl,
          prefix: `${config.redisPrefix}bull`,
          retainCompletedSec: 300,
          lockDurationMs: config.jobLockMs,
        })
      : new MemoryJobQueue({ retainFinishedMs: 300_000 });
  const auth = overrides.keys ? undefined : await createAuth(config, local, log);
  const gateway = new Gateway(
    {
      nodeId: config.nodeId,
      host: config.host,
      port: config.port,
      heartbeatMs: config.heartbeatMs,
      idleTimeoutSec: config.idleTimeoutSec,
      tokenClockToleranceSec: config.tokenClockToleranceSec,
      limits: config.limits,
      retention: config.historyRetention,
      appRetention: local.retention,
      idempotencyWindowMs: config.idempotencyWindowMs,
      resumeWindowMs: config.resumeWindowMs,
      presenceGraceMs: config.presenceGraceMs,
      instanceId,
      metricsToken: config.metricsToken,
      trustProxy: config.trustProxy,
      processJobs: config.workers === 'inline',
      consoleDir: config.consoleDir,
      ...(config.testDropFanoutEvery ? { testDropFanoutEvery: config.testDropFanoutEvery } : {}),
    },
    {
      uws,
      corkAnchor: uwsBuild.corkAnchor,
      keys,
      broker,
      history,
      presence,
      sessions,
      roomMetrics,
      connections,
      jobs,
      log,
      ...(webhooks ? { webhooks: webhooks.hooks } : {}),
      tracer: inspector.tracer,
      ...(otel ? { otel } : {}),
      ...(inspector.admin
        ? {
            admin: {
              ...inspector.admin,
              ...(local.appExists ? { appExists: local.appExists } : {}),
              ...(webhooks ? { webhooks: webhooks.admin } : {}),
            },
          }
        : {}),
      ...(local.appPolicy && !overrides.keys ? { appPolicy: local.appPolicy } : {}),
      ...(local.identityProviders ? { identityProviders: local.identityProviders } : {}),
      ...(auth ? { auth } : {}),
    },
  );
  // Cloud mode: a pushed revocation also closes the open connections of that key on this node.
  local.watchConnections?.(gateway);
  // Cloud mode: a user revoked or disabled in the dashboard loses its connections on this node.
  local.watchUsers?.((appId, userId) => gateway.closeConnectionsOfUser(appId, userId, 'all'));
  local.onSettingsChanged?.((appId) => gateway.forgetAppSettings(appId));
  // Cloud mode: a dead letter requeued from the dashboard (only the gateway that takes it queues it).
  if (webhooks) {
    const admin = new WebhookAdmin(webhooks.admin);
    local.watchRequeues?.((appId, endpointId, eventId) => admin.requeue(appId, endpointId, eventId));
  }
  const port = await gateway.start();
  const usage = local.reportUsage?.(() => gateway.usageTotals());
  return {
    gateway,
    port,
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    devApiKey,
    adminToken: inspector.adminToken,
    shutdown: async () => {
      await gateway.shutdown();
      await Promise.allSettled([jobs.close(), webhooks?.close(), inspector.close(), usage?.stop()]);
      await otel?.shutdown();
    },
  };
}

/**
 * Webhooks: the queue (BullMQ on Redis, or in-process) and its delivery worker, run in this process.
 * Returns nothing when no app has a webhook endpoint.
 */
function createWebhooks(
  config: GatewayConfig,
  configured: AppWebhookEndpoints,
  log: Logger,
  tracer: Tracer,
  otel: OtelExport | undefined,
): Webhooks | undefined {
  const { endpoints, inbox } = webhookEndpoints(config, configured);
  if (!endpoints.hasAny()) return undefined;
  const redisBacked = config.store === 'redis';
  const queue = redisBacked
    ? new BullMqJobQueue({
        url: config.redisUrl,
        prefix: `${config.redisPrefix}bull`,
        lockDurationMs: config.jobLockMs,
      })
    : new MemoryJobQueue();
  const deps = webhookDeps(config, endpoints, otel);
  if (tracer.on) {
    deps.log = tracedDeliveryLog(deps.log, tracer, endpoints);
    deps.deadLetters = tracedDeadLetters(deps.deadLetters, tracer);
  }
  const definition = webhookQueue({ baseDelayMs: config.webhookBaseDelayMs });
  // RELAYBOX_WORKERS=none: deliveries wait in the queue for a `worker webhook` process.
  if (config.workers === 'inline') {
    queue.process(definition, processWebhook, deps, { concurrency: WEBHOOK_CONCURRENCY });
  }
  const dispatcher = new WebhookDispatcher({ queue, endpoints, definition });
  return {
    hooks: new WebhookHooks(endpoints, dispatcher, log),
    admin: {
      endpoints,
      log: deps.log,
      deadLetters: deps.deadLetters,
      dispatcher,
      tracer,
      ...(inbox ? { inbox } : {}),
    },
    close: async () => {
      await queue.close();
      const closers = [deps.log, deps.deadLetters, deps.budget, inbox] as Array<
        { close?: () => Promise<void> } | undefined
      >;
      await Promise.allSettled(closers.map((c) => c?.close?.()));
    },
  };
}

/** What the webhook delivery processor needs: Redis-backed delivery log and dead letters in redis store mode. */
export function webhookDeps(
  config: GatewayConfig,
  endpoints: AppWebhookEndpoints,
  otel?: OtelExport,
): WebhookDeps {
  const redisBacked = config.store === 'redis';
  const lists = { url: config.redisUrl, prefix: config.redisPrefix };
  const budget = { limit: config.webhookAppBudget, windowMs: DEFAULT_DELIVERY_BUDGET_WINDOW_MS };
  return {
    allowPrivateNetworks: config.webhookAllowPrivateNetworks,
    budget: redisBacked ? new RedisDeliveryBudget({ ...lists, ...budget }) : new MemoryDeliveryBudget(budget),
    endpoints,
    log: reportedDeliveryLog(config, redisBacked ? new RedisDeliveryLog(lists) : new MemoryDeliveryLog()),
    deadLetters: reportedDeadLetters(
      config,
      redisBacked ? new RedisDeadLetterList(lists) : new MemoryDeadLetterList(),
    ),
    now: Date.now,
    timeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS,
    ...(otel ? { spans: otel.sink } : {}),
  };
}

interface Webhooks {
  hooks: WebhookHooks;
  admin: AdminWebhooksSetup;
  close(): Promise<void>;
}

export function createBroker(config: GatewayConfig, log: Logger): Broker {
  // A delivery handler that throws must not take the process down with it.
  const onError = (error: unknown) => log.error('broker delivery handler failed', { error: String(error) });
  if (config.broker === 'memory') return new MemoryBroker({ onError });
  const broker = new AmqpBroker({
    url: config.amqpUrl,
    exchange: config.amqpExchange,
    shardCount: config.shardCount,
    nodeId: config.nodeId,
    connectionName: config.amqpConnectionName,
    batchMaxMessages: config.brokerBatchMaxMessages,
    onError,
  });
  broker.onStateChange((state) => {
    const fields = { state, error: broker.lastError?.message };
    if (state === 'disconnected') log.warn('broker disconnected', fields);
    else log.info('broker state', fields);
  });
  return broker;
}
