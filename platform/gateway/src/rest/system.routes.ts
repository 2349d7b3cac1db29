import type { TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { GatewayStats } from '../gateway.js';
import { ResponseGuard } from '../uws/http.js';

/**
 * `GET /v1/health`: 200 while the node can deliver (broker connected), else 503 — so a load
 * balancer stops sending new clients to a node cut off from the broker. Every other unknown
 * `/v1/...` path answers a JSON 404.
 */
export function mountSystemRoutes(app: TemplatedApp, stats: () => GatewayStats): void {
  app.get('/v1/health', (res) => {
    const current = stats();
    const ok = current.broker === 'connected';
    new ResponseGuard(res).json(ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', ...current });
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
