import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Broker, HistoryStore, PresenceStore, RoomMetricsStore } from '@relaybox/core';
import type { Limits } from '@relaybox/protocol';
import { mountDisabledAdminRoutes } from './admin/admin.routes.js';
import { type AdminSetup, Inspector, type InspectorDeps } from './admin/inspector.js';
import type { SnapshotSource } from './admin/node-snapshot.js';
import type { AuthRuntime } from './auth/auth-runtime.js';
import type { GatewayStats } from './gateway-options.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { mountMetricsRoute } from './metrics/metrics.routes.js';
import type { PresenceService } from './presence-service.js';
import type { Publisher } from './publisher.js';
import { mountAuthRoutes } from './rest/auth.routes.js';
import { mountConsoleRoutes } from './rest/console.routes.js';
import { mountHistoryRoutes } from './rest/history.routes.js';
import { mountPresenceRoutes } from './rest/presence.routes.js';
import type { RestAccess } from './rest/rest-access.js';
import { mountRoomsRoutes } from './rest/rooms.routes.js';
import { mountSystemRoutes } from './rest/system.routes.js';
import type { RoomHistory } from './room-history.js';

export interface HttpRoutesDeps {
  access: RestAccess;
  publisher: Publisher;
  history: RoomHistory;
  presence: PresenceService;
  metrics: GatewayMetrics;
  limits: Limits;
  metricsToken: string | undefined;
  consoleDir: string | undefined;
  stats: () => GatewayStats;
  /** The auth service (`/v1/auth/...`); those paths answer 404 when not given. */
  auth: (AuthRuntime & { clientAddress(res: HttpResponse, req: HttpRequest): string }) | undefined;
  /** The inspector API; without it every `/v1/admin/...` path answers 404. */
  admin:
    | {
        setup: AdminSetup;
        source: SnapshotSource;
        stores: {
          presence: PresenceStore;
          history: HistoryStore;
          roomMetrics: RoomMetricsStore;
          broker: Broker;
        };
        auth: InspectorDeps['auth'];
        log: Logger;
      }
    | undefined;
}

/**
 * Every HTTP route of a gateway next to its WebSocket: REST (`/v1/rooms`, history, presence),
 * `/metrics`, `/console`, `/v1/health` and the inspector API. Returns the inspector when it is on.
 */
export function mountHttpRoutes(app: TemplatedApp, deps: HttpRoutesDeps): Inspector | undefined {
  const { access, limits } = deps;
  mountHistoryRoutes(app, {
    access,
    history: deps.history,
    maxRoomNameLength: limits.maxRoomNameLength,
  });
  mountRoomsRoutes(app, {
    access,
    publisher: deps.publisher,
    maxBodyBytes: limits.maxFrameBytes,
    maxEventNameLength: limits.maxEventNameLength,
    maxRoomNameLength: limits.maxRoomNameLength,
  });
  mountPresenceRoutes(app, {
    access,
    presence: deps.presence,
    maxRoomNameLength: limits.maxRoomNameLength,
  });
  if (deps.auth) mountAuthRoutes(app, { ...deps.auth, access });
  mountMetricsRoute(app, deps.metrics, deps.metricsToken ? { token: deps.metricsToken } : {});
  if (deps.consoleDir) mountConsoleRoutes(app, deps.consoleDir);
  mountSystemRoutes(app, deps.stats);
  if (!deps.admin) {
    mountDisabledAdminRoutes(app);
    return undefined;
  }
  const { setup, source, stores, auth, log } = deps.admin;
  return new Inspector({
    app,
    setup,
    source,
    ...stores,
    publisher: deps.publisher,
    limits,
    auth,
    ...(deps.auth ? { authRuntime: deps.auth } : {}),
    log,
  });
}
