import {
  CloudAppConfig,
  loadLocalApps,
  RedisConnectionQuota,
  RedisHistoryStore,
  RedisPresenceStore,
  RedisSessionStore,
  RedisTraceLog,
} from '@relaybox/adapters';
import { HistoryCursor } from '@relaybox/core';
import { BullMqJobQueue, processWebhook, WEBHOOK_CONCURRENCY, webhookQueue } from '@relaybox/workers';
import { ConfigError, type GatewayConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { processMaintenanceJobs } from './maintenance.js';
import { PresenceService } from './presence-service.js';
import { createBroker, webhookDeps } from './start-gateway.js';
import { tracedDeadLetters } from './tracing/job-traces.js';
import { createOtelExport } from './tracing/otel-export.js';
import { tracedDeliveryLog } from './tracing/traced-delivery-log.js';
import { Tracer } from './tracing/tracer.js';
import { webhookEndpoints } from './webhook-setup.js';

export const WORKER_QUEUES = ['sessions', 'history', 'webhook'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export interface RunningWorker {
  queues: readonly WorkerQueue[];
  shutdown(): Promise<void>;
}

/** Parses the `worker <queues>` argument: a comma list of sessions, history, webhook (default all). */
export function parseWorkerQueues(raw: string | undefined): WorkerQueue[] {
  if (raw === undefined || raw === '' || raw.startsWith('--')) return [...WORKER_QUEUES];
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(WORKER_QUEUES as readonly string[]).includes(name))
      throw new ConfigError(
        `unknown worker queue "${name}": expected a comma list of ${WORKER_QUEUES.join(', ')}`,
      );
  }
  return [...new Set(names)] as WorkerQueue[];
}

/**
 * The worker role: runs the jobs of the given BullMQ queues, which gateways started with
 * `RELAYBOX_WORKERS=none` only enqueue. It needs the shared Redis (queues and stores) and the broker:
 * the dead-gateway sweep broadcasts a presence leave for every member it removes.
 */
export async function startWorker(
  config: GatewayConfig,
  queues: readonly WorkerQueue[],
  log: Logger = createLogger(config.logLevel, { nodeId: config.nodeId, role: 'worker' }),
): Promise<RunningWorker> {
  if (config.store !== 'redis') {
    throw new ConfigError(
      'the worker role needs the shared queues: set RELAYBOX_STORE=redis (or --engine native)',
    );
  }
  const redis = { url: config.redisUrl, prefix: config.redisPrefix };
  const jobs = new BullMqJobQueue({
    url: config.redisUrl,
    prefix: `${config.redisPrefix}bull`,
    lockDurationMs: config.jobLockMs,
    onError: (error) => log.warn('job queue error', { error: error.message }),
  });
  const closers: Array<{ close(): Promise<void> }> = [];
  // A worker's trace events (webhook attempts, dead letters, sweeps, trims) go to the cluster's
  // shared trace log, which every gateway's `/v1/admin/traces/stream` follows.
  const traces = config.tracing ? new RedisTraceLog(redis) : undefined;
  const tracer = traces
    ? new Tracer(traces, `worker.${config.nodeId}`, {
        onError: (error) => log.warn('trace events could not be stored', { error: String(error) }),
      })
    : Tracer.off;
  const local = loadLocalApps({
    appsFile: config.appsFile,
    dataDir: config.dataDir,
    devApiKey: config.devApiKey,
  });
  try {
    if (queues.includes('sessions') || queues.includes('history')) {
      const broker = createBroker(config, log);
      closers.push(broker);
      await broker.start();
      const sessions = new RedisSessionStore(redis);
      const presenceStore = new RedisPresenceStore(redis);
      const history = new RedisHistoryStore({ ...redis, cursors: new HistoryCursor(config.cursorSecret) });
      const connections = new RedisConnectionQuota(redis);
      closers.push(sessions, presenceStore, history, connections);
      const presence = new PresenceService(
        presenceStore,
        broker,
        `worker.${config.nodeId}`,
        config.limits.maxPresenceDataBytes,
        log,
      );
      const maxAgeMs = (appId: string) =>
        local.retention.get(appId)?.maxAgeMs ?? config.historyRetention.maxAgeMs;
      processMaintenanceJobs(
        jobs,
        {
          sessions,
          history,
          presence,
          connections,
          resumeWindowMs: config.resumeWindowMs,
          maxAgeMs,
          log,
          tracer,
        },
        queues.filter((q): q is 'sessions' | 'history' => q !== 'webhook'),
      );
    }
    if (queues.includes('webhook')) {
      // Cloud mode: the endpoints are the control plane's (as in the gateway, key-source.ts).
      const configured = config.controlPlane
        ? new CloudAppConfig({ ...config.controlPlane, log })
        : local.webhooks;
      // Local engines: the app's webhook inbox is an endpoint too (registered through a gateway).
      const { endpoints, inbox } = webhookEndpoints(config, configured);
      if (inbox) closers.push(inbox);
      const instanceId = `worker.${config.nodeId}.${process.pid}`;
      const otel = createOtelExport(config.otel, { role: 'worker', nodeId: config.nodeId, instanceId }, log);
      if (otel) closers.push({ close: () => otel.shutdown() });
      const deps = webhookDeps(config, endpoints, otel);
      if (tracer.on) {
        deps.log = tracedDeliveryLog(deps.log, tracer, endpoints);
        deps.deadLetters = tracedDeadLetters(deps.deadLetters, tracer);
      }
      closers.push(
        ...([deps.log, deps.deadLetters, deps.budget] as Array<Partial<{ close(): Promise<void> }>>).flatMap(
          (c) => (c.close ? [c as { close(): Promise<void> }] : []),
        ),
      );
      const definition = webhookQueue({ baseDelayMs: config.webhookBaseDelayMs });
      jobs.process(definition, processWebhook, deps, { concurrency: WEBHOOK_CONCURRENCY });
    }
  } catch (error) {
    await Promise.allSettled([jobs.close(), ...closers.map((c) => c.close()), traces?.close()]);
    throw error;
  }
  tracer.start();
  log.info('worker running', { queues, tracing: tracer.on });
  return {
    queues,
    shutdown: async () => {
      // Running jobs finish first; then the stores and the broker they use are released.
      await jobs.close();
      await tracer.stop();
      await Promise.allSettled([...closers.map((c) => c.close()), traces?.close()]);
    },
  };
}
