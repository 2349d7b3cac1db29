import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { secretsEqual } from '../auth/authenticator.js';
import { ResponseGuard, statusLine } from '../uws/http.js';
import type { GatewayMetrics } from './gateway-metrics.js';

export interface MetricsRouteOptions {
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

const BEARER = /^Bearer (.+)$/;

/**
 * `GET /metrics`: this process's Prometheus metrics (text exposition, `content-type` from the
 * registry). With a token configured, a scrape without `Authorization: Bearer <token>` gets 401
 * `token_missing` and one with another token 401 `api_key_invalid` (compared in constant time);
 * without one the endpoint is open, for a private network. uWS matches this static path before the
 * system routes' `/*` catch-all whatever the mount order.
 */
export function mountMetricsRoute(
  app: TemplatedApp,
  metrics: GatewayMetrics,
  options: MetricsRouteOptions = {},
): void {
  const { token } = options;
  // An empty token would lock every scraper out; refuse the misconfiguration outright.
  if (token === '')
    throw new Error('the metrics token must not be empty (leave it unset for an open endpoint)');
  app.get('/metrics', (res, req) => {
    // Read before anything async: `req` is invalid after the handler returns.
    const authorization = req.getHeader('authorization');
    const guard = new ResponseGuard(res);
    if (token !== undefined) {
      const presented = BEARER.exec(authorization)?.[1];
      if (presented === undefined) {
        guard.error(new RelayBoxError(ErrorCode.TokenMissing, 'send Authorization: Bearer <metrics token>'));
        return;
      }
      if (!secretsEqual(presented, token)) {
        guard.error(new RelayBoxError(ErrorCode.ApiKeyInvalid, 'the metrics token is not valid'));
        return;
      }
    }
    metrics.metricsText().then(
      (text) => sendText(guard, metrics.contentType, text),
      (error: unknown) => guard.error(error),
    );
  });
}

function sendText(guard: ResponseGuard, contentType: string, text: string): void {
  if (guard.aborted) return;
  const res: HttpResponse = guard.res;
  res.cork(() => {
    res.writeStatus(statusLine(200)).writeHeader('content-type', contentType).end(text);
  });
}
