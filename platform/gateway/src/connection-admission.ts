import type { ConnectionQuota } from '@relaybox/core';
import { CloseCode, ErrorCode, type Limits, RelayBoxError } from '@relaybox/protocol';
import { CountingTransport, type TopicCounter } from './admin/counting-transport.js';
import { type AppPolicy, originAllowed } from './app-policy.js';
import type { AuthGuard } from './auth/auth-guard.js';
import { type CredentialSources, extractCredentials, extractResumeOffer } from './auth/credentials.js';
import { ClientSession, type SessionDeps } from './client-session.js';
import type { Hub } from './hub.js';
import type { LocalSessions } from './local-sessions.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { KeyedRateLimiter } from './rate-limit.js';
import type { SessionLifecycle } from './session-lifecycle.js';
import type { SessionTakeover } from './session-takeover.js';
import { SlowReaderTransport, type TopicTap } from './slow-reader.js';
import { namedKey, traceConnection, traceRefusal } from './tracing/gateway-traces.js';
import type { Tracer } from './tracing/tracer.js';
import { toRelayBoxError } from './uws/http.js';
import type { Admission, WebSocketRouteOptions } from './uws/websocket-route.js';
import type { WebhookHooks } from './webhook-hooks.js';

export interface ConnectionAdmissionDeps {
  /** The gateway's limits (an app's own, in cloud mode, replace them per session). */
  limits: Readonly<Limits>;
  /** This process start's identity: connection reservations are held under it. */
  instanceId: string;
  /** True once the gateway is shutting down: new upgrades are refused. */
  draining: () => boolean;
  authGuard: AuthGuard;
  appPolicy?: ((appId: string) => Promise<AppPolicy | undefined>) | undefined;
  connections: ConnectionQuota;
  lifecycle: SessionLifecycle;
  /** Tells the gateway a resumed session came from (when still attached there) to close its socket. */
  takeover: SessionTakeover;
  sessionDeps: SessionDeps;
  hub: Hub;
  sessions: LocalSessions;
  metrics: GatewayMetrics;
  tracer: Tracer;
  webhooks?: WebhookHooks | undefined;
  log: Logger;
}

type Handlers = Pick<WebSocketRouteOptions, 'admit' | 'abandon' | 'openSession' | 'closeSession'>;

/**
 * A connection's way in and out of this gateway: the upgrade's checks (shutting down, connection
 * rate per address, authentication, the app's allowed origins, the app's connection limit reserved
 * across the cluster, the session claim), then the session's start and its end, each releasing
 * what admission reserved.
 */
export class ConnectionAdmission implements Handlers {
  /** New connections per address (a flooder closed for ignoring its budget loses a burst). */
  private readonly connectLimiter: KeyedRateLimiter;
  /**
   * Made once and shared by every session, not per connection: a closure per connection and per
   * wrapper adds up on a gateway holding tens of thousands of idle sockets (issue 15).
   */
  private readonly sessionDeps: SessionDeps;
  private readonly tapTopic: TopicTap;
  private readonly topicCounter: (topic: string) => TopicCounter | undefined;

  constructor(private readonly deps: ConnectionAdmissionDeps) {
    this.connectLimiter = new KeyedRateLimiter(
      deps.limits.connectionRatePerSecond,
      deps.limits.connectionBurst,
    );
    const { hub, sessionDeps } = deps;
    this.tapTopic = (topic, tap) => hub.tapTopic(topic, tap);
    this.topicCounter = (topic) => hub.topicCounter(topic);
    this.sessionDeps = {
      ...sessionDeps,
      onBudgetIgnored: (session) => {
        sessionDeps.onBudgetIgnored?.(session);
        if (session.address !== undefined) this.penalize(session.address);
      },
    };
  }

  /** Admits an upgrade or rejects with the `RelayBoxError` it is refused with (counted and traced). */
  admit(sources: CredentialSources, ip: string, origin: string): Promise<Admission> {
    return this.check(sources, ip, origin).catch((error: unknown) => {
      const refusal = toRelayBoxError(error);
      this.deps.metrics.upgradeRefused(refusal.code);
      if (this.deps.tracer.on) traceRefusal(this.deps.tracer, refusal, ip, namedKey(sources));
      throw error;
    });
  }

  abandon({ principal, opening }: Admission): void {
    this.release(principal.appId);
    this.deps.lifecycle.closed(
      principal.appId,
      principal.clientId,
      opening.connectionId,
      false,
      opening.epoch,
    );
  }

  openSession(
    transport: ClientSession['transport'],
    { principal, opening, limits, ip }: Admission,
  ): ClientSession {
    const { tracer } = this.deps;
    // uWS's own backpressure cap (websocket-route.ts) bounds a slowed connection's queue too.
    const slowable = new SlowReaderTransport(transport, this.tapTopic, this.deps.limits.maxBufferedBytes * 4);
    const counted = new CountingTransport(slowable, this.topicCounter);
    // The app's limits (cloud mode) replace the gateway's for this session's rooms and publish rate.
    const { sessionDeps } = this;
    const session = new ClientSession(
      counted,
      principal,
      opening,
      limits ? { ...sessionDeps, limits } : sessionDeps,
    );
    session.address = ip;
    this.deps.sessions.add(session);
    this.deps.metrics.connectionOpened(principal.appId);
    session.open();
    if (opening.takenOverFrom !== undefined) this.deps.takeover.tookOver(session, opening.takenOverFrom);
    if (tracer.on)
      traceConnection(tracer, opening.resumed ? 'connection.resume' : 'connection.open', session);
    if (!opening.resumed) {
      this.deps.webhooks?.emit(principal.appId, 'connection.opened', {
        connectionId: session.connectionId,
        clientId: principal.clientId,
      });
    }
    return session;
  }

  closeSession(session: ClientSession, code: number, reason = ''): void {
    if (!this.deps.sessions.delete(session)) return;
    const { tracer } = this.deps;
    if (tracer.on) traceConnection(tracer, 'connection.close', session, { detail: { code, reason } });
    this.deps.metrics.connectionClosed(session.appId);
    this.release(session.appId);
    session.closed(code === CloseCode.Normal);
  }

  /** Forgets idle per-address buckets. */
  sweep(): void {
    this.connectLimiter.sweep();
  }

  private async check(sources: CredentialSources, ip: string, origin: string): Promise<Admission> {
    const { deps } = this;
    if (deps.draining()) throw new RelayBoxError(ErrorCode.ServerShuttingDown, 'gateway is shutting down');
    if (!this.connectLimiter.take(ip)) {
      throw new RelayBoxError(ErrorCode.ConnectionRateLimited, 'too many new connections from this address');
    }
    const principal = await deps.authGuard.authenticate(ip, extractCredentials(sources));
    const policy = await deps.appPolicy?.(principal.appId);
    // Browsers always send Origin; server-side clients send none and are not restricted by it.
    if (origin !== '' && policy && !originAllowed(origin, policy.allowedOrigins)) {
      throw new RelayBoxError(ErrorCode.OriginNotAllowed, `origin ${origin} is not allowed for this app`);
    }
    const max = policy?.limits.maxConnectionsPerApp ?? deps.limits.maxConnectionsPerApp;
    // Reserved atomically across the cluster before the upgrade is accepted; released on close,
    // on a failed or abandoned upgrade, and by the dead-gateway sweep.
    const { appId } = principal;
    if (!(await deps.connections.reserve(appId, deps.instanceId, max))) {
      throw new RelayBoxError(ErrorCode.AppConnectionLimit, `app already has ${max} connections`);
    }
    let opening: Awaited<ReturnType<SessionLifecycle['open']>>;
    try {
      if (deps.draining()) throw new RelayBoxError(ErrorCode.ServerShuttingDown, 'gateway is shutting down');
      opening = await deps.lifecycle.open(appId, principal.clientId, extractResumeOffer(sources.protocols));
    } catch (error) {
      this.release(appId);
      throw error;
    }
    return policy ? { principal, opening, ip, limits: policy.limits } : { principal, opening, ip };
  }

  /**
   * A connection closed for ignoring its request budget: its address loses a burst of new
   * connections, so a flooder cannot refill its budget by reconnecting at once.
   */
  private penalize(ip: string): void {
    this.connectLimiter.drain(ip, this.deps.limits.connectionBurst);
  }

  private release(appId: string): void {
    this.deps.connections.release(appId, this.deps.instanceId).catch((error: unknown) => {
      // Left held until this gateway shuts down or is swept as dead.
      this.deps.log.warn('connection reservation not released', { appId, error: String(error) });
    });
  }
}
