import type { TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { GatewayStats } from '../gateway-options.js';
import { ResponseGuard } from '../uws/http.js';

/**
 * Probes, and the JSON 404 of every other unknown `/v1/...` path:
 * - `GET /v1/health`: 200 while the node can deliver (broker connected), else 503 — so a load
 *   balancer stops sending new clients to a node cut off from the broker.
 * - `GET /v1/ready` (readiness): as health, and 503 as soon as the node is leaving (SIGTERM),
 *   before its clients are closed with 4000 — Kubernetes takes it out of the Service meanwhile.
 * - `GET /v1/live` (liveness): 200 whenever the event loop answers. A broker outage is not a
 *   reason to restart the process (it reconnects by itself), so liveness ignores it.
 */
export function mountSystemRoutes(app: TemplatedApp, stats: () => GatewayStats): void {
  app.get('/v1/health', (res) => {
    const current = stats();
    const ok = current.broker === 'connected';
    new ResponseGuard(res).json(ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', ...current });
  });
  app.get('/v1/ready', (res) => {
    const current = stats();
    const status = current.ready ? 'ready' : current.leaving ? 'leaving' : 'degraded';
    new ResponseGuard(res).json(current.ready ? 200 : 503, { status, ...current });
  });
  app.get('/v1/live', (res) => {
    new ResponseGuard(res).json(200, { status: 'alive', nodeId: stats().nodeId });
  });
  app.any('/*', (res, req) => {
    const url = req.getUrl();
    new ResponseGuard(res, { head: req.getMethod() === 'head' }).error(
      url === '/v1/rooms' || url.startsWith('/v1/rooms/')
        ? new RelayBoxError(
            ErrorCode.MethodNotAllowed,
            `${req.getMethod().toUpperCase()} is not allowed on ${url}`,
          )
        : new RelayBoxError(ErrorCode.NotFound, `no route ${req.getMethod().toUpperCase()} ${url}`),
    );
  });
}
