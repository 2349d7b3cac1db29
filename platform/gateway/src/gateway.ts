import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { MessageIdGenerator, SPANS_OFF, TrustedProxies } from '@relaybox/core';
import type { Inspector } from './admin/inspector.js';
import { AppRetention } from './app-retention.js';
import type { AuthGuard } from './auth/auth-guard.js';
import type { Authenticator } from './auth/authenticator.js';
import type { UserRevocations } from './auth/user-revocations.js';
import type { SessionDeps } from './client-session.js';
import { ConnectionAdmission } from './connection-admission.js';
import { observePresence, roomEventHook } from './event-hooks.js';
import { createGatewayAuth } from './gateway-auth.js';
import type { GatewayDeps, GatewayOptions, GatewayStats } from './gateway-options.js';
import { mountHttpRoutes } from './http-routes.js';
import { Hub } from './hub.js';
import { Intervals } from './intervals.js';
import { LocalSessions } from './local-sessions.js';
import { HEARTBEAT_TTL_MS, Maintenance } from './maintenance.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { hubObserver, membershipObserver } from './metrics/observers.js';
import { RoomMetricsAggregator } from './metrics/room-metrics.js';
import { RoomMetricsFanout } from './metrics/room-metrics-fanout.js';
import { PresenceService } from './presence-service.js';
import { Publisher } from './publisher.js';
import type { RestAccess } from './rest/rest-access.js';
import { RoomHistory } from './room-history.js';
import { SessionLifecycle } from './session-lifecycle.js';
import { SessionTakeover } from './session-takeover.js';
import { dropEveryNthSeq } from './test-drop-switch.js';
import { traceDenial } from './tracing/gateway-traces.js';
import { Tracer } from './tracing/tracer.js';
import { CorkAnchor } from './uws/cork-anchor.js';
import { remoteIp } from './uws/http.js';
import { HEARTBEAT_TOPIC, mountWebSocketRoute } from './uws/websocket-route.js';

const NO_PROXIES = TrustedProxies.parse('');

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
  private readonly sessions = new LocalSessions();
  private readonly retention: AppRetention;
  private readonly admission: ConnectionAdmission;
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
    this.retention = new AppRetention(options.retention, options.appRetention);
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
    const trustProxy = options.trustProxy ?? NO_PROXIES;
    const gatewayAuth = createGatewayAuth(
      options,
      deps,
      (...args) => this.closeConnectionsOfUser(...args),
      tracer,
    );
    const auth = gatewayAuth.runtime;
    this.revocations = auth?.revocations;
    this.authenticator = gatewayAuth.authenticator;
    this.authGuard = gatewayAuth.guard;
    this.restAccess = gatewayAuth.restAccess;
    const { webhooks } = deps;
    const publisher = new Publisher(deps.history, deps.broker, new MessageIdGenerator(options.nodeId), {
      retention: (appId) => this.retention.of(appId),
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
        onLapse: () => this.sessions.dropAll('this gateway lost its liveness; reconnect'),
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
      maxAgeMs: (appId) => this.retention.of(appId).maxAgeMs,
      log: deps.log,
      tracer,
      processJobs: options.processJobs !== false,
    });
    const sessionDeps: SessionDeps = {
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
    const admission = new ConnectionAdmission({
      limits,
      instanceId: options.instanceId,
      draining: () => this.draining,
      authGuard: this.authGuard,
      appPolicy: deps.appPolicy,
      connections: deps.connections,
      lifecycle: this.lifecycle,
      takeover: this.takeover,
      sessionDeps,
      hub: this.hub,
      sessions: this.sessions,
      metrics: this.metrics,
      tracer,
      webhooks: deps.webhooks,
      log: deps.log,
    });
    this.admission = admission;
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
      admit: (sources, ip, origin) => admission.admit(sources, ip, origin),
      abandon: (admitted) => admission.abandon(admitted),
      openSession: (transport, admitted) => admission.openSession(transport, admitted),
      closeSession: (session, code, reason) => admission.closeSession(session, code, reason),
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
    this.sessions.dropAll('server shutting down; reconnect to another gateway');
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
    return this.sessions.closeOfKey(appId, keyId, reason);
  }

  /**
   * Closes (4100, no reconnect) this node's connections of a signed-in user whose sessions were
   * revoked: those opened with a token of one of `sessions`, or all of the user's. Returns how many.
   */
  closeConnectionsOfUser(appId: string, userId: string, sessions: string[] | 'all'): number {
    return this.sessions.closeOfUser(appId, userId, sessions);
  }

  /** The distinct (appId, keyId) pairs this node's open connections were authenticated with. */
  openKeys(): Array<{ appId: string; keyId: string }> {
    return this.sessions.openKeys();
  }

  private verifySession(connectionId: string): void {
    this.takeover.verify([connectionId]).catch((error: unknown) => {
      this.deps.log.warn('session ownership check failed', { connectionId, error: String(error) });
    });
  }

  /** Slow consumers, idle rate-limit buckets. */
  private sweep(): void {
    this.sessions.closeSlowConsumers(this.options.limits.maxBufferedBytes);
    this.admission.sweep();
    this.authGuard.sweep();
    this.restAccess.sweep();
  }

  /** Drops an app's cached settings so their next use reads `appRetention` again (cloud mode). */
  forgetAppSettings(appId: string): void {
    this.retention.forget(appId);
  }
}
