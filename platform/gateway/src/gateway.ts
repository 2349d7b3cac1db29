import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import {
  type Broker,
  type ConnectionQuota,
  type HistoryRetention,
  type HistoryStore,
  type IdentityProviderConfig,
  type JobQueue,
  type KeyStore,
  MessageIdGenerator,
  type OtlpExporterStats,
  type PresenceStore,
  type RoomMetricsStore,
  type SessionStore,
  SPANS_OFF,
  type SpanSink,
  TrustedProxies,
} from '@relaybox/core';
import { CloseCode, ErrorCode, type Limits, RelayBoxError } from '@relaybox/protocol';
import { CountingTransport } from './admin/counting-transport.js';
import type { AdminSetup, Inspector } from './admin/inspector.js';
import { type AppPolicy, originAllowed } from './app-policy.js';
import { AuthGuard } from './auth/auth-guard.js';
import { type AuthSetup, createAuthRuntime } from './auth/auth-runtime.js';
import { Authenticator } from './auth/authenticator.js';
import { type CredentialSources, extractCredentials, extractResumeOffer } from './auth/credentials.js';
import { IdpVerifier } from './auth/idp-verifier.js';
import type { UserRevocations } from './auth/user-revocations.js';
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
import { RestAccess } from './rest/rest-access.js';
import { RoomHistory } from './room-history.js';
import { SessionLifecycle } from './session-lifecycle.js';
import { SessionTakeover } from './session-takeover.js';
import { SlowReaderTransport } from './slow-reader.js';
import { dropEveryNthSeq } from './test-drop-switch.js';
import { namedKey, traceConnection, traceDenial, traceRefusal } from './tracing/gateway-traces.js';
import { Tracer } from './tracing/tracer.js';
import { CorkAnchor } from './uws/cork-anchor.js';
import { remoteIp, toRelayBoxError } from './uws/http.js';
import type { UwsModule } from './uws/load-uws.js';
import { type Admission, HEARTBEAT_TOPIC, mountWebSocketRoute } from './uws/websocket-route.js';
import type { WebhookHooks } from './webhook-hooks.js';

const NO_PROXIES = TrustedProxies.parse('');

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

/** Slow consumers and idle rate-limit buckets are checked on this period. */
const SWEEP_MS = 250;

/**
 * One gateway node: WebSocket + HTTP on one uWS app. Owns the sessions of this node and its local
 * fan-out; everything cross-node goes through the injected `Broker`.
 */
export class Gateway {
  private readonly app: TemplatedApp;
  private readonly anchor: CorkAnchor;
  private readonly hub: Hub;
  private readonly authenticator: Authenticator;
  /** Failed authentications per address, checked before any key lookup (upgrades and REST). */
  private readonly authGuard: AuthGuard;
  private readonly restAccess: RestAccess;
  private readonly sessions = new Set<ClientSession>();
  private readonly retention = new Map<string, HistoryRetention>();
  private readonly connectLimiter: KeyedRateLimiter;
  private readonly sessionDeps: SessionDeps;
  private readonly lifecycle: SessionLifecycle;
  private readonly takeover: SessionTakeover;
  private readonly maintenance: Maintenance;
  private readonly metrics: GatewayMetrics;
  private readonly roomMetrics: RoomMetricsAggregator;
  private readonly tracer: Tracer;
  private readonly inspector: Inspector | undefined;
  private readonly revocations: UserRevocations | undefined;
  private readonly startedAt = Date.now();
  private listenSocket: us_listen_socket | undefined;
  private readonly intervals = new Intervals();
  private draining = false;
  private leaving = false;
  private boundPort = 0;

  constructor(
    private readonly options: GatewayOptions,
    private readonly deps: GatewayDeps,
  ) {
    const { limits } = options;
    const tracer = deps.tracer ?? Tracer.off;
    this.tracer = tracer;
    this.app = deps.uws.App();
    this.anchor = new CorkAnchor(deps.uws, deps.corkAnchor ?? false);
    this.metrics = new GatewayMetrics({
      brokerState: () => deps.broker.state,
      ...(deps.otel?.stats ? { otelStats: deps.otel.stats } : {}),
    });
    const spans = { sink: deps.otel?.sink ?? SPANS_OFF, nodeId: options.nodeId };
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
    const dropped = options.testDropFanoutEvery
      ? dropEveryNthSeq(options.testDropFanoutEvery, deps.log)
      : undefined;
    const history = new RoomHistory(deps.history, options.resumeWindowMs, dropped);
    this.hub = new Hub(
      deps.broker,
      publishLocal,
      hubObserver(this.metrics, this.roomMetrics),
      tracer,
      spans,
      dropped,
      history,
    );
    const tokenLimits = {
      clockToleranceSec: options.tokenClockToleranceSec,
      maxTokenLifetimeSec: limits.maxTokenLifetimeSec,
    };
    const idp = deps.identityProviders?.length
      ? new IdpVerifier(deps.identityProviders, tokenLimits)
      : undefined;
    const trustProxy = options.trustProxy ?? NO_PROXIES;
    const auth =
      deps.auth &&
      createAuthRuntime(
        deps.auth,
        deps.broker,
        (...args) => this.closeConnectionsOfUser(...args),
        tracer,
        deps.log,
      );
    this.revocations = auth?.revocations;
    this.authenticator = new Authenticator(deps.keys, tokenLimits, idp, auth?.service);
    this.authGuard = new AuthGuard(
      this.authenticator,
      limits.authFailureRatePerSecond,
      limits.authFailureBurst,
    );
    this.restAccess = new RestAccess(this.authGuard, limits);
    this.connectLimiter = new KeyedRateLimiter(limits.connectionRatePerSecond, limits.connectionBurst);
    const { webhooks } = deps;
    const publisher = new Publisher(deps.history, deps.broker, new MessageIdGenerator(options.nodeId), {
      retention: (appId) => this.retentionFor(appId),
      idempotencyWindowMs: options.idempotencyWindowMs,
      tracer,
      spans,
      onPublished: (appId, message, bytes, traceparent) => {
        this.metrics.published(appId, bytes);
        this.roomMetrics.recordPublish(appId, message.room, bytes);
        webhooks?.emit(appId, 'message.published', message, traceparent);
      },
    });
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
        onLost: (connectionId) => this.verifySession(connectionId),
      },
      deps.log,
    );
    this.takeover = new SessionTakeover({
      broker: deps.broker,
      store: deps.sessions,
      gatewayId: options.instanceId,
      connections: () => this.sessions,
      disown: (connectionId, epoch) => this.lifecycle.disown(connectionId, epoch),
      log: deps.log,
    });
    this.maintenance = new Maintenance({
      jobs: deps.jobs,
      sessions: deps.sessions,
      history: deps.history,
      presence,
      connections: deps.connections,
      resumeWindowMs: options.resumeWindowMs,
      maxAgeMs: (appId) => this.retentionFor(appId).maxAgeMs,
      log: deps.log,
      tracer,
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
      ...(tracer.on ? { onDenied: (session, room, op) => traceDenial(tracer, session, room, op) } : {}),
      authenticator: this.authenticator,
      limits,
      bounds: limits,
      heartbeatMs: options.heartbeatMs,
      log: deps.log,
    };
    mountWebSocketRoute(this.app, deps.uws, {
      anchor: this.anchor,
      clientAddress: (peer, forwardedFor) =>
        (options.trustProxy ?? NO_PROXIES).clientAddress(peer, forwardedFor),
      // Frames up to twice the limit get a `frame_too_large` error frame; beyond that a 1009 close
      // with a reason, up to `maxFrameReadBytes`; beyond that uWS drops the socket unread (1006).
      maxFrameBytes: limits.maxFrameBytes,
      closeAboveBytes: limits.maxFrameBytes * 2,
      maxReadBytes: Math.max(limits.maxFrameReadBytes, limits.maxFrameBytes * 2),
      maxBufferedBytes: limits.maxBufferedBytes,
      idleTimeoutSec: options.idleTimeoutSec,
      admit: (sources, ip, origin) =>
        this.admit(sources, ip, origin).catch((error: unknown) => {
          const refusal = toRelayBoxError(error);
          this.metrics.upgradeRefused(refusal.code);
          if (tracer.on) traceRefusal(tracer, refusal, ip, namedKey(sources));
          throw error;
        }),
      abandon: ({ principal, opening }) => {
        this.releaseConnection(principal.appId);
        this.lifecycle.closed(
          principal.appId,
          principal.clientId,
          opening.connectionId,
          false,
          opening.epoch,
        );
      },
      openSession: (transport, admission) => this.openSession(transport, admission),
      closeSession: (session, code, reason) => this.closeSession(session, code, reason),
    });
    this.inspector = mountHttpRoutes(this.app, {
      access: this.restAccess,
      publisher,
      history,
      presence,
      metrics: this.metrics,
      limits,
      metricsToken: options.metricsToken,
      consoleDir: options.consoleDir,
      stats: () => this.stats(),
      auth: auth && {
        ...auth,
        clientAddress: (res: HttpResponse, req: HttpRequest) =>
          trustProxy.clientAddress(remoteIp(res), req.getHeader('x-forwarded-for')),
      },
      admin: deps.admin && {
        setup: deps.admin,
        source: {
          nodeId: options.nodeId,
          startedAt: this.startedAt,
          sessions: () => this.sessions,
          connectionCount: () => this.sessions.size,
          localRooms: () => this.hub.localRooms(),
          tapRoom: (appId, room, tap) => this.hub.tap(appId, room, tap),
        },
        stores: {
          presence: deps.presence,
          history: deps.history,
          roomMetrics: deps.roomMetrics,
          broker: deps.broker,
        },
        auth: { authenticator: this.authenticator, ...(deps.appPolicy ? { appPolicy: deps.appPolicy } : {}) },
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
    await this.takeover.start();
    this.roomMetrics.start();
    await this.anchor.open();
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
    await this.revocations?.start();
    this.deps.log.info('gateway listening', { nodeId: this.options.nodeId, port: this.boundPort });
    return this.boundPort;
  }

  stats(): GatewayStats {
    return {
      nodeId: this.options.nodeId,
      connections: this.sessions.size,
      rooms: this.hub.roomCount,
      broker: this.deps.broker.state,
      ready: !this.leaving && !this.draining && this.deps.broker.state === 'connected',
      leaving: this.leaving || this.draining,
    };
  }

  /**
   * The first step of a graceful stop (SIGTERM): `/v1/ready` answers 503 from now on so load
   * balancers and Kubernetes endpoints stop sending new clients here, while connected clients keep
   * being served until `shutdown()` closes them with 4000. Upgrades are still accepted meanwhile
   * (a balancer that has not noticed yet must not turn into failed connects).
   */
  leave(): void {
    this.leaving = true;
    this.deps.log.info('gateway leaving: readiness off', { nodeId: this.options.nodeId });
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
    this.anchor.close();
    this.intervals.clear();
    this.maintenance.stop();
    this.lifecycle.stop();
    this.takeover.stop();
    this.revocations?.stop();
    // Sessions are detached, not ended: clients resume on another gateway and keep their presence.
    this.dropAll('server shutting down; reconnect to another gateway');
    await this.lifecycle.flush();
    // Every slot this gateway held goes back to the cluster at once (late releases change nothing).
    await this.deps.connections.releaseGateway(this.options.instanceId).catch((error: unknown) => {
      this.deps.log.warn('connection reservations not released', { error: String(error) });
    });
    await this.roomMetrics.stop().catch(() => {});
    await this.inspector?.stop();
    await this.tracer.stop();
    const { broker, history, presence, sessions, keys, roomMetrics, connections } = this.deps;
    const stores: Array<{ close(): Promise<void> }> = [
      broker,
      history,
      presence,
      sessions,
      keys,
      roomMetrics,
      connections,
    ];
    if (this.deps.auth) stores.push(this.deps.auth.store, this.deps.auth.limiter);
    this.deps.auth?.closeMailer?.();
    await Promise.allSettled(stores.map((store) => store.close()));
    // Idle keep-alive HTTP connections outlive the listen socket: without this, a process that
    // keeps running (the embedded engine's restart, tests) answers them from a stopped gateway.
    (this.app as { close?: () => void }).close?.();
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

  /**
   * Closes (4100, no reconnect) this node's connections of a signed-in user whose sessions were
   * revoked: those opened with a token of one of `sessions`, or all of the user's. Returns how many.
   */
  closeConnectionsOfUser(appId: string, userId: string, sessions: string[] | 'all'): number {
    let closed = 0;
    for (const session of [...this.sessions]) {
      const auth = session.authSession;
      if (session.appId !== appId || auth?.userId !== userId) continue;
      if (sessions !== 'all' && !sessions.includes(auth.sessionId)) continue;
      session.transport.close(CloseCode.Unauthorized, 'user session revoked');
      closed++;
    }
    return closed;
  }

  private verifySession(connectionId: string): void {
    this.takeover.verify([connectionId]).catch((error: unknown) => {
      this.deps.log.warn('session ownership check failed', { connectionId, error: String(error) });
    });
  }

  private dropAll(reason: string): void {
    for (const session of [...this.sessions]) session.transport.close(CloseCode.ServerShutdown, reason);
  }

  private async admit(sources: CredentialSources, ip: string, origin: string): Promise<Admission> {
    if (this.draining) throw new RelayBoxError(ErrorCode.ServerShuttingDown, 'gateway is shutting down');
    if (!this.connectLimiter.take(ip)) {
      throw new RelayBoxError(ErrorCode.ConnectionRateLimited, 'too many new connections from this address');
    }
    const principal = await this.authGuard.authenticate(ip, extractCredentials(sources));
    const policy = await this.deps.appPolicy?.(principal.appId);
    // Browsers always send Origin; server-side clients send none and are not restricted by it.
    if (origin !== '' && policy && !originAllowed(origin, policy.allowedOrigins)) {
      throw new RelayBoxError(ErrorCode.OriginNotAllowed, `origin ${origin} is not allowed for this app`);
    }
    const max = policy?.limits.maxConnectionsPerApp ?? this.options.limits.maxConnectionsPerApp;
    // Reserved atomically across the cluster before the upgrade is accepted; released on close,
    // on a failed or abandoned upgrade, and by the dead-gateway sweep.
    const { appId } = principal;
    if (!(await this.deps.connections.reserve(appId, this.options.instanceId, max))) {
      throw new RelayBoxError(ErrorCode.AppConnectionLimit, `app already has ${max} connections`);
    }
    let opening: Awaited<ReturnType<SessionLifecycle['open']>>;
    try {
      if (this.draining) throw new RelayBoxError(ErrorCode.ServerShuttingDown, 'gateway is shutting down');
      opening = await this.lifecycle.open(appId, principal.clientId, extractResumeOffer(sources.protocols));
    } catch (error) {
      this.releaseConnection(appId);
      throw error;
    }
    return policy ? { principal, opening, ip, limits: policy.limits } : { principal, opening, ip };
  }

  private openSession(
    transport: ClientSession['transport'],
    { principal, opening, limits, ip }: Admission,
  ): ClientSession {
    // uWS's own backpressure cap (websocket-route.ts) bounds a slowed connection's queue too.
    const slowable = new SlowReaderTransport(
      transport,
      (topic, tap) => this.hub.tapTopic(topic, tap),
      this.options.limits.maxBufferedBytes * 4,
    );
    const counted = new CountingTransport(slowable, (topic) => this.hub.topicCounter(topic));
    // The app's limits (cloud mode) replace the gateway's for this session's rooms and publish rate.
    const base =
      ip === undefined ? this.sessionDeps : { ...this.sessionDeps, onBudgetIgnored: () => this.penalize(ip) };
    const deps = limits ? { ...base, limits } : base;
    const session = new ClientSession(counted, principal, opening, deps);
    session.address = ip;
    this.sessions.add(session);
    this.metrics.connectionOpened(principal.appId);
    session.open();
    if (opening.takenOverFrom !== undefined) this.takeover.tookOver(session, opening.takenOverFrom);
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
    this.releaseConnection(session.appId);
    session.closed(code === CloseCode.Normal);
  }

  /**
   * A connection closed for ignoring its request budget: its address loses a burst of new
   * connections, so a flooder cannot refill its budget by reconnecting at once.
   */
  private penalize(ip: string): void {
    this.connectLimiter.drain(ip, this.options.limits.connectionBurst);
  }

  private releaseConnection(appId: string): void {
    this.deps.connections.release(appId, this.options.instanceId).catch((error: unknown) => {
      // Left held until this gateway shuts down or is swept as dead.
      this.deps.log.warn('connection reservation not released', { appId, error: String(error) });
    });
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
    this.authGuard.sweep();
    this.restAccess.sweep();
  }

  /** The distinct (appId, keyId) pairs this node's open connections were authenticated with. */
  openKeys(): Array<{ appId: string; keyId: string }> {
    const keys = new Map<string, { appId: string; keyId: string }>();
    for (const { appId, keyId } of this.sessions) {
      // Auth-service tokens ($auth) and identity providers (idp.*) are not API keys of the key store.
      if (keyId.startsWith('$') || keyId.startsWith('idp.')) continue;
      keys.set(`${appId}\u0000${keyId}`, { appId, keyId });
    }
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
