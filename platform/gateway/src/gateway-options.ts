import type {
  Broker,
  ConnectionQuota,
  HistoryRetention,
  HistoryStore,
  IdentityProviderConfig,
  JobQueue,
  KeyStore,
  OtlpExporterStats,
  PresenceStore,
  RoomMetricsStore,
  SessionStore,
  SpanSink,
  TrustedProxies,
} from '@relaybox/core';
import type { Limits } from '@relaybox/protocol';
import type { AdminSetup } from './admin/inspector.js';
import type { AppPolicy } from './app-policy.js';
import type { AuthSetup } from './auth/auth-runtime.js';
import type { Logger } from './logger.js';
import type { Tracer } from './tracing/tracer.js';
import type { UwsModule } from './uws/load-uws.js';
import type { WebhookHooks } from './webhook-hooks.js';

// What a `Gateway` is built from (read once by the composition root) and what it reports.

export interface GatewayOptions {
  nodeId: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  heartbeatMs: number;
  idleTimeoutSec: number;
  tokenClockToleranceSec: number;
  limits: Readonly<Limits>;
  /** Default history retention, and the apps that override it. */
  retention: HistoryRetention;
  appRetention?: ReadonlyMap<string, Partial<HistoryRetention>>;
  idempotencyWindowMs: number;
  /** How long a dropped client can resume; also how far back a replay reaches without `history`. */
  resumeWindowMs: number;
  /** A dropped connection's presence is kept this long, so a quick resume does not flap. */
  presenceGraceMs: number;
  /** Unique per process start: this gateway's identity for liveness and session ownership. */
  instanceId: string;
  /** Bearer token required by `GET /metrics`; open when undefined. */
  metricsToken?: string | undefined;
  /** Whose `X-Forwarded-For` names the client for per-IP limits; none when absent. */
  trustProxy?: TrustedProxies;
  /** False: background jobs are only enqueued here and run by a worker process. Default true. */
  processJobs?: boolean;
  /** The built console to serve at `/console`; not served when undefined. */
  consoleDir?: string | undefined;
  /** TEST-ONLY broken build (`RELAYBOX_TEST_DROP_FANOUT_EVERY`): see `dropEveryNthSeq`. */
  testDropFanoutEvery?: number;
}

export interface GatewayDeps {
  uws: UwsModule;
  /** Complete async upgrades inside a `CorkAnchor` (the loaded uWS build's `corkAnchor`). */
  corkAnchor?: boolean;
  keys: KeyStore;
  broker: Broker;
  history: HistoryStore;
  presence: PresenceStore;
  sessions: SessionStore;
  roomMetrics: RoomMetricsStore;
  /** Per-app connection reservations shared by the cluster (the per-app connection limit). */
  connections: ConnectionQuota;
  /** Background jobs of the gateway (dead-gateway sweep, history trim): BullMQ or in-process. */
  jobs: JobQueue;
  log: Logger;
  /** Webhook events; none when not configured. */
  webhooks?: WebhookHooks;
  /** Trace events of this gateway (docs/inspector.md); off when not given. */
  tracer?: Tracer;
  /** OpenTelemetry span export (docs/observability.md); off when not given. */
  otel?: { sink: SpanSink; stats?: () => OtlpExporterStats };
  /** The admin API (`/v1/admin/...`); every admin path answers 404 when not given. */
  admin?: AdminSetup;
  /** Cloud mode: an app's limits and allowed origins; the gateway defaults when absent or undefined. */
  appPolicy?: (appId: string) => Promise<AppPolicy | undefined>;
  /** External identity providers apps trust (docs/identity-providers.md); none when not given. */
  identityProviders?: readonly IdentityProviderConfig[];
  /** The auth service of apps' end users (docs/auth.md): `/v1/auth/...` answers 404 when not given. */
  auth?: AuthSetup;
}

export interface GatewayStats {
  nodeId: string;
  connections: number;
  rooms: number;
  broker: Broker['state'];
  /** False from `leave()` (SIGTERM) on, and while the broker is not connected: see `/v1/ready`. */
  ready: boolean;
  /** True from `leave()` or `shutdown()` on. */
  leaving: boolean;
}
