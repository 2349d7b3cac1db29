import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import {
  type Broker,
  type HistoryRetention,
  type HistoryStore,
  type JobQueue,
  type KeyStore,
  MessageIdGenerator,
  type PresenceStore,
  type RoomMetricsStore,
  type SessionStore,
} from '@relaybox/core';
import { CloseCode, ErrorCode, type Limits, RelayBoxError } from '@relaybox/protocol';
import { CountingTransport } from './admin/counting-transport.js';
import type { AdminSetup, Inspector } from './admin/inspector.js';
import { type AppPolicy, originAllowed } from './app-policy.js';
import { Authenticator } from './auth/authenticator.js';
import { type CredentialSources, extractCredentials, extractResumeOffer } from './auth/credentials.js';
import { ClientSession, type SessionDeps } from './client-session.js';
import { observePresence, roomEventHook } from './event-hooks.js';
import { mountHttpRoutes } from './http-routes.js';
import { Hub } from './hub.js';
import { Intervals } from './intervals.js';
import type { Logger } from './logger.js';
import { HEARTBEAT_TTL_MS, Maintenance } from './maintenance.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { hubObserver, membershipObserver } from './metrics/observers.js';
import { RoomMetricsAggregator } from './metrics/room-metrics.js';
import { RoomMetricsFanout } from './metrics/room-metrics-fanout.js';
import { PresenceService } from './presence-service.js';
import { Publisher } from './publisher.js';
import { KeyedRateLimiter } from './rate-limit.js';
import { RoomHistory } from './room-history.js';
import { SessionLifecycle } from './session-lifecycle.js';
import { traceConnection, traceRefusal } from './tracing/gateway-traces.js';
import { Tracer } from './tracing/tracer.js';
import { toRelayBoxError } from './uws/http.js';
import type { UwsModule } from './uws/load-uws.js';
import { type Admission, HEARTBEAT_TOPIC, mountWebSocketRoute } from './uws/websocket-route.js';
import type { WebhookHooks } from './webhook-hooks.js';

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
  /** False: background jobs are only enqueued here and run by a worker process. Default true. */
  processJobs?: boolean;
  /** The built console to serve at `/console`; not served when undefined. */
  consoleDir?: string | undefined;
}

export interface GatewayDeps {
  uws: UwsModule;
  keys: KeyStore;
  broker: Broker;
  history: HistoryStore;
  presence: PresenceStore;
  sessions: SessionStore;
  roomMetrics: RoomMetricsStore;
  /** Background jobs of the gateway (dead-gateway sweep, history trim): BullMQ or in-process. */
  jobs: JobQueue;
  log: Logger;
  /** Webhook events; none when not configured. */
  webhooks?: WebhookHooks;
  /** Trace events of this gateway (docs/inspector.md); off when not given. */
  tracer?: Tracer;
  /** The admin API (`/v1/admin/...`); every admin path answers 404 when not given. */
  admin?: AdminSetup;
  /** Cloud mode: an app's limits and allowed origins; the gateway defaults when absent or undefined. */
  appPolicy?: (appId: string) => Promise<AppPolicy | undefined>;
}

export interface GatewayStats {
  nodeId: string;
  connections: number;
  rooms: number;
  broker: Broker['state'];
}

/** Slow consumers and idle rate-limit buckets are checked on this period. */
const SWEEP_MS = 250;

/**
 * One gateway node: WebSocket + HTTP on one uWS app. Owns the sessions of this node and its local
 * fan-out; everything cross-node goes through the injected `Broker`.
 */
export class Gateway {
  private readonly app: TemplatedApp;
  private readonly hub: Hub;
  private readonly authenticator: Authenticator;
  private readonly sessions = new Set<ClientSession>();
  private readonly appConnections = new Map<string, number>();
  private readonly retention = new Map<string, HistoryRetention>();
  private readonly connectLimiter: KeyedRateLimiter;
  private readonly sessionDeps: SessionDeps;
  private readonly lifecycle: SessionLifecycle;
  private readonly maintenance: Maintenance;
  private readonly metrics: GatewayMetrics;
  private readonly roomMetrics: RoomMetricsAggregator;
  private readonly tracer: Tracer;
  private readonly inspector: Inspector | undefined;
  private readonly startedAt = Date.now();
  private listenSocket: us_listen_socket | undefined;
  private readonly intervals = new Intervals();
  private draining = false;
  private boundPort = 0;

  constructor(
    private readonly options: GatewayOptions,
    private readonly deps: GatewayDeps,
  ) {
    const { limits } = options;
    const tracer = deps.tracer ?? Tracer.off;
    this.tracer = tracer;
    this.app = deps.uws.App();
    this.metrics = new GatewayMetrics({ brokerState: () => deps.broker.state });
    this.roomMetrics = new RoomMetricsAggregator({
      gatewayId: options.instanceId,
      store: deps.roomMetrics,
      countPresence: (appId, room) => deps.presence.count(appId, room),
      onError: (operation, error) =>
        deps.log.warn('room metrics failed', { operation, error: String(error) }),
    });
    const publishLocal = (topic: string, payload: string) => {
      const reached = this.app.numSubscribers(topic);
      this.app.publish(topic, payload, false, false);
      return reached;
    };
    this.hub = new Hub(deps.broker, publishLocal, hubObserver(this.metrics, this.roomMetrics), tracer);
    this.authenticator = new Authenticator(deps.keys, { clockToleranceSec: options.tokenClockToleranceSec });
    this.connectLimiter = new KeyedRateLimiter(limits.connectionRatePerSecond, limits.connectionBurst);
    const { webhooks } = deps;
    const publisher = new Publisher(deps.history, deps.broker, new MessageIdGenerator(options.nodeId), {
      retention: (appId) => this.retentionFor(appId),
      idempotencyWindowMs: options.idempotencyWindowMs,
      tracer,
      onPublished: (appId, message, bytes) => {
        this.metrics.published(appId, bytes);
        this.roomMetrics.recordPublish(appId, message.room, bytes);
        webhooks?.emit(appId, 'message.published', message);
      },
    });
    const history = new RoomHistory(deps.history, options.resumeWindowMs);
    const presence = new PresenceService(
      deps.presence,
      deps.broker,
      options.instanceId,
      limits.maxPresenceDataBytes,
      deps.log,
    );
    observePresence(presence, tracer, webhooks);
    this.lifecycle = new SessionLifecycle(
      deps.sessions,
      presence,
      {
        gatewayId: options.instanceId,
        resumeWindowMs: options.resumeWindowMs,
        presenceGraceMs: options.presenceGraceMs,
        heartbeatTtlMs: HEARTBEAT_TTL_MS,
        onLapse: () => this.dropAll('this gateway lost its liveness; reconnect'),
        onEnded: (appId, clientId, connectionId, reason) =>
          deps.webhooks?.emit(appId, 'connection.closed', { connectionId, clientId, reason }),
      },
      deps.log,
    );
    this.maintenance = new Maintenance({
      jobs: deps.jobs,
      sessions: deps.sessions,
      history: deps.history,
      presence,
      resumeWindowMs: options.resumeWindowMs,
      maxAgeMs: (appId) => this.retentionFor(appId).maxAgeMs,
      log: deps.log,
      processJobs: options.processJobs !== false,
    });
    this.sessionDeps = {
      hub: this.hub,
      publisher,
      history,
      presence,
      lifecycle: this.lifecycle,
      roomMetrics: new RoomMetricsFanout(this.roomMetrics, publishLocal),
      membership: membershipObserver(this.roomMetrics),
      onRoom: roomEventHook(tracer, webhooks),
      authenticator: this.authenticator,
      limits,
      bounds: limits,
      heartbeatMs: options.heartbeatMs,
      log: deps.log,
    };
    mountWebSocketRoute(this.app, deps.uws, {
      // Frames up to twice the limit get a `frame_too_large` error frame; beyond that uWS closes (1009).
      maxPayloadBytes: limits.maxFrameBytes * 2,
      maxBufferedBytes: limits.maxBufferedBytes,
      idleTimeoutSec: options.idleTimeoutSec,
      admit: (sources, ip, origin) =>
        this.admit(sources, ip, origin).catch((error: unknown) => {
          const refusal = toRelayBoxError(error);
          this.metrics.upgradeRefused(refusal.code);
          if (tracer.on) traceRefusal(tracer, refusal, ip);
          throw error;
        }),
      abandon: ({ principal, opening }) =>
        this.lifecycle.closed(principal.appId, principal.clientId, opening.connectionId, false),
      openSession: (transport, admission) => this.openSession(transport, admission),
      closeSession: (session, code, reason) => this.closeSession(session, code, reason),
    });
    this.inspector = mountHttpRoutes(this.app, {
      authenticator: this.authenticator,
      publisher,
      history,
      presence,
      metrics: this.metrics,
      limits,
      metricsToken: options.metricsToken,
      consoleDir: options.consoleDir,
      stats: () => this.stats(),
      admin: deps.admin && {
        setup: deps.admin,
        source: {
          nodeId: options.nodeId,
          startedAt: this.startedAt,
          sessions: () => this.sessions,
          connectionCount: () => this.sessions.size,
          localRooms: () => this.hub.localRooms(),
        },
        stores: {
          presence: deps.presence,
          history: deps.history,
          roomMetrics: deps.roomMetrics,
          broker: deps.broker,
        },
        log: deps.log,
      },
    });
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    await this.deps.broker.start();
    await this.lifecycle.start();
    this.roomMetrics.start();
    const socket = await new Promise<us_listen_socket | false>((resolve) =>
      this.app.listen(this.options.host, this.options.port, resolve),
    );
    if (!socket) throw new Error(`cannot listen on ${this.options.host}:${this.options.port}`);
    this.listenSocket = socket;
    this.boundPort = this.deps.uws.us_socket_local_port(socket as never);
    const heartbeat = `{"type":"heartbeat"}`;
    this.intervals.every(this.options.heartbeatMs, () =>
      this.app.publish(HEARTBEAT_TOPIC, heartbeat, false, false),
    );
    this.intervals.every(SWEEP_MS, () => this.sweep());
    this.maintenance.start();
    this.tracer.start();
    await this.inspector?.start();
    this.deps.log.info('gateway listening', { nodeId: this.options.nodeId, port: this.boundPort });
    return this.boundPort;
  }

  stats(): GatewayStats {
    return {
      nodeId: this.options.nodeId,
      connections: this.sessions.size,
      rooms: this.hub.roomCount,
      broker: this.deps.broker.state,
    };
  }

  /**
   * Graceful shutdown: stop accepting, tell every client to reconnect elsewhere (close code 4000),
   * then release the broker and stores. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    if (this.listenSocket) this.deps.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    this.intervals.clear();
    this.maintenance.stop();
    this.lifecycle.stop();
    // Sessions are detached, not ended: clients resume on another gateway and keep their presence.
    this.dropAll('server shutting down; reconnect to another gateway');
    await this.lifecycle.flush();
    await this.roomMetrics.stop().catch(() => {});
    await this.inspector?.stop();
    await this.tracer.stop();
    const { broker, history, presence, sessions, keys, roomMetrics } = this.deps;
    const stores = [broker, history, presence, sessions, keys, roomMetrics];
    await Promise.allSettled(stores.map((store) => store.close()));
    this.deps.log.info('gateway stopped', { nodeId: this.options.nodeId });
  }

  /** Cumulative per-app usage of this node (new connections, messages published, open connections). */
  usageTotals(): ReturnType<GatewayMetrics['usageTotals']> {
    return this.metrics.usageTotals();
  }

  /**
   * Closes (4100, no reconnect) this node's connections authenticated by a revoked key, or by any
   * key of a deleted app when `keyId` is undefined. Returns how many were closed.
   */
  closeConnectionsOfKey(appId: string, keyId: string | undefined, reason: string): number {
    let closed = 0;
    for (const session of [...this.sessions]) {
      if (session.appId !== appId || (keyId !== undefined && session.keyId !== keyId)) continue;
      session.transport.close(CloseCode.Unauthorized, reason);
      closed++;
    }
    return closed;
  }

  private dropAll(reason: string): void {
    for (const session of [...this.sessions]) session.transport.close(CloseCode.ServerShutdown, reason);
  }

  private async admit(sources: CredentialSources, ip: string, origin: string): Promise<Admission> {
    if (this.draining) throw new RelayBoxError(ErrorCode.ServerShuttingDown, 'gateway is shutting down');
    if (!this.connectLimiter.take(ip)) {
      throw new RelayBoxError(ErrorCode.ConnectionRateLimited, 'too many new connections from this address');
    }
    const principal = await this.authenticator.authenticate(extractCredentials(sources));
    const policy = await this.deps.appPolicy?.(principal.appId);
    // Browsers always send Origin; server-side clients send none and are not restricted by it.
    if (origin !== '' && policy && !originAllowed(origin, policy.allowedOrigins)) {
      throw new RelayBoxError(ErrorCode.OriginNotAllowed, `origin ${origin} is not allowed for this app`);
    }
    const max = policy?.limits.maxConnectionsPerApp ?? this.options.limits.maxConnectionsPerApp;
    if ((this.appConnections.get(principal.appId) ?? 0) >= max) {
      throw new RelayBoxError(
        ErrorCode.AppConnectionLimit,
        `app already has ${max} connections on this gateway`,
      );
    }
    const resume = extractResumeOffer(sources.protocols);
    const opening = await this.lifecycle.open(principal.appId, principal.clientId, resume);
    return policy ? { principal, opening, limits: policy.limits } : { principal, opening };
  }

  private openSession(
    transport: ClientSession['transport'],
    { principal, opening, limits }: Admission,
  ): ClientSession {
    const counted = new CountingTransport(transport, (topic) => this.hub.topicCounter(topic));
    // The app's limits (cloud mode) replace the gateway's for this session's rooms and publish rate.
    const deps = limits ? { ...this.sessionDeps, limits } : this.sessionDeps;
    const session = new ClientSession(counted, principal, opening, deps);
    this.sessions.add(session);
    this.metrics.connectionOpened(principal.appId);
    this.appConnections.set(principal.appId, (this.appConnections.get(principal.appId) ?? 0) + 1);
    session.open();
    if (this.tracer.on)
      traceConnection(this.tracer, opening.resumed ? 'connection.resume' : 'connection.open', session);
    if (!opening.resumed) {
      this.deps.webhooks?.emit(principal.appId, 'connection.opened', {
        connectionId: session.connectionId,
        clientId: principal.clientId,
      });
    }
    return session;
  }

  private closeSession(session: ClientSession, code: number, reason = ''): void {
    if (!this.sessions.delete(session)) return;
    if (this.tracer.on)
      traceConnection(this.tracer, 'connection.close', session, { detail: { code, reason } });
    this.metrics.connectionClosed(session.appId);
    const left = (this.appConnections.get(session.appId) ?? 1) - 1;
    if (left > 0) this.appConnections.set(session.appId, left);
    else this.appConnections.delete(session.appId);
    session.closed(code === CloseCode.Normal);
  }

  /** Disconnects clients that stopped reading once their unsent bytes pass the bound. */
  private sweep(): void {
    const bound = this.options.limits.maxBufferedBytes;
    for (const session of this.sessions) {
      // Only room subscriptions can push unbounded traffic; replies are checked as they are sent.
      if (session.subscriptions > 0 && session.transport.bufferedAmount >= bound) {
        session.transport.close(CloseCode.SlowConsumer, 'slow consumer: too many unsent bytes');
      }
    }
    this.connectLimiter.sweep();
  }

  /** The distinct (appId, keyId) pairs this node's open connections were authenticated with. */
  openKeys(): Array<{ appId: string; keyId: string }> {
    const keys = new Map<string, { appId: string; keyId: string }>();
    for (const { appId, keyId } of this.sessions) keys.set(`${appId}\u0000${keyId}`, { appId, keyId });
    return [...keys.values()];
  }

  /** Drops an app's cached settings so their next use reads `appRetention` again (cloud mode). */
  forgetAppSettings(appId: string): void {
    this.retention.delete(appId);
  }

  /** The app's retention: its overrides from the apps file over the gateway default. */
  private retentionFor(appId: string): HistoryRetention {
    let retention = this.retention.get(appId);
    if (!retention) {
      retention = { ...this.options.retention, ...this.options.appRetention?.get(appId) };
      this.retention.set(appId, retention);
    }
    return retention;
  }
}
