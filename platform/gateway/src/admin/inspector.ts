import type { TemplatedApp } from 'uWebSockets.js';
import type {
  Broker,
  HistoryStore,
  InspectorStore,
  PresenceStore,
  RoomMetricsStore,
  TraceLog,
} from '@relaybox/core';
import type { AuthRuntime } from '../auth/auth-runtime.js';
import type { Logger } from '../logger.js';
import type { Publisher } from '../publisher.js';
import { mountAdminRoutes } from './admin.routes.js';
import { connectionDetail } from './admin-connection.js';
import { AdminControl } from './admin-control.js';
import { AdminViews } from './admin-views.js';
import { mountInboxReceiver } from './admin-webhooks.routes.js';
import { localReport } from './connection-report.js';
import { Explainer, type ExplainerDeps } from './explainer.js';
import { FrameRecorder } from './frame-recorder.js';
import { buildNodeSnapshot, type SnapshotSource, SnapshotWriter } from './node-snapshot.js';
import type { TraceStreams } from './trace-stream.js';
import { type AdminWebhooksSetup, WebhookAdmin } from './webhook-admin.js';

/** What the composition root hands a gateway to enable the admin API. */
export interface AdminSetup {
  token: string;
  allowRemote: boolean;
  /** Where every gateway of the cluster shares its snapshot (Redis in redis store mode). */
  snapshots: InspectorStore;
  /** The cluster's trace log (read by the API; written through the gateway's `Tracer`). */
  traces: TraceLog;
  /** Apps this gateway knows of. */
  apps: readonly string[];
  /** Whether an app exists (cloud mode asks the control plane); default: it is one of `apps`. */
  appExists?: (appId: string) => Promise<boolean>;
  tracing: boolean;
  /** Webhook views, dead letters and the inbox; absent when no webhook machinery runs. */
  webhooks?: AdminWebhooksSetup;
}

export interface InspectorDeps {
  app: TemplatedApp;
  setup: AdminSetup;
  source: SnapshotSource;
  presence: PresenceStore;
  history: HistoryStore;
  roomMetrics: RoomMetricsStore;
  publisher: Publisher;
  /** Carries operator commands (disconnect) to the gateway that owns the connection. */
  broker: Broker;
  limits: { maxFrameBytes: number; maxEventNameLength: number; maxRoomNameLength: number };
  /** What the permission explainer verifies tokens with, and the app's policy (cloud mode). */
  auth: Pick<ExplainerDeps, 'authenticator' | 'appPolicy'>;
  /** The auth service of the apps' end users (`/v1/admin/auth/...`); absent when none runs. */
  authRuntime?: AuthRuntime;
  log: Logger;
}

/** The gateway's inspector: the admin routes, and this gateway's snapshot written once per second. */
export class Inspector {
  private readonly writer: SnapshotWriter;
  private readonly streams: TraceStreams;
  private readonly control: AdminControl;
  private readonly recorder: FrameRecorder;
  private warned = false;

  constructor(private readonly deps: InspectorDeps) {
    const { setup, source, limits, log } = deps;
    const views = new AdminViews({
      nodeId: source.nodeId,
      liveSnapshot: () => buildNodeSnapshot(source),
      snapshots: setup.snapshots,
      presence: deps.presence,
      history: deps.history,
      roomMetrics: deps.roomMetrics,
      tracing: setup.tracing,
      apps: setup.apps,
      maxRoomNameLength: limits.maxRoomNameLength,
      log,
    });
    this.recorder = new FrameRecorder(source);
    const recorder = this.recorder;
    this.control = new AdminControl({
      broker: deps.broker,
      source,
      log,
      report: (connectionId) => localReport(source, recorder, connectionId),
    });
    const explainer = new Explainer({
      ...deps.auth,
      traces: setup.traces,
      findConnection: (connectionId) => views.findConnection(connectionId),
    });
    const webhooks = setup.webhooks && new WebhookAdmin(setup.webhooks);
    const inbox = setup.webhooks?.inbox;
    if (inbox) mountInboxReceiver(deps.app, { store: inbox });
    const detailDeps = {
      views,
      control: this.control,
      history: deps.history,
      presence: deps.presence,
    };
    this.streams = mountAdminRoutes(deps.app, {
      control: this.control,
      connectionDetail: (connectionId) => connectionDetail(detailDeps, connectionId),
      explainer,
      ...(webhooks ? { webhooks } : {}),
      ...(deps.authRuntime ? { auth: { runtime: deps.authRuntime, apps: setup.apps } } : {}),
      token: setup.token,
      allowRemote: setup.allowRemote,
      views,
      traces: setup.traces,
      publisher: deps.publisher,
      appExists: setup.appExists ?? (async (appId) => setup.apps.includes(appId)),
      maxBodyBytes: limits.maxFrameBytes,
      maxEventNameLength: limits.maxEventNameLength,
      maxRoomNameLength: limits.maxRoomNameLength,
    });
    this.writer = new SnapshotWriter(setup.snapshots, () => buildNodeSnapshot(source), {
      onError: (error) => {
        // Once per outage: the store's own retries carry on every second.
        if (this.warned) return;
        this.warned = true;
        log.warn('inspector snapshot write failed', { error: String(error) });
      },
    });
  }

  /** Call once the broker has started: joins the control channel, starts writing snapshots. */
  async start(): Promise<void> {
    await this.control.start();
    this.writer.start();
  }

  /** Ends open event streams and removes this gateway's snapshot (stores are closed by their owner). */
  async stop(): Promise<void> {
    this.streams.closeAll();
    this.recorder.stopAll();
    this.control.stop();
    await this.writer.stop(this.deps.source.nodeId);
  }
}
