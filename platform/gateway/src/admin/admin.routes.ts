import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { TraceLog, TraceQuery } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { Publisher } from '../publisher.js';
import { readBody } from '../uws/http.js';
import { type AdminAuthDeps, mountAuthAdminRoutes } from './admin-auth.routes.js';
import { type AdminControl, parseDisconnect, parseSlowBody } from './admin-control.js';
import { explainBody } from './admin-explain.routes.js';
import { AdminGuard, type AdminRequestHeaders } from './admin-guard.js';
import { parsePublish } from './admin-publish.js';
import { AdminResponse } from './admin-response.js';
import type { AdminViews } from './admin-views.js';
import { mountWebhookAdminRoutes } from './admin-webhooks.routes.js';
import type { Explainer } from './explainer.js';
import { parseFaultMark } from './fault-mark.js';
import { TraceStreams } from './trace-stream.js';
import type { WebhookAdmin } from './webhook-admin.js';

export interface AdminRoutesDeps {
  token: string;
  allowRemote: boolean;
  views: AdminViews;
  traces: TraceLog;
  publisher: Publisher;
  /** A publish to an app that does not exist is refused (`not_found`): it would create its history. */
  appExists(appId: string): Promise<boolean>;
  control: AdminControl;
  /** Webhook views and actions; absent: no webhook machinery runs (no `/v1/admin/webhooks`). */
  webhooks?: WebhookAdmin;
  explainer: Explainer;
  /** The apps' user pools; absent: no auth service runs (no `/v1/admin/auth`). */
  auth?: AdminAuthDeps;
  /** One connection with its rooms and recorded frames (`admin-connection.ts`). */
  connectionDetail(connectionId: string): Promise<unknown>;
  maxBodyBytes: number;
  maxEventNameLength: number;
  maxRoomNameLength: number;
}

export interface AdminRequest {
  query: URLSearchParams;
  param: string;
  response: AdminResponse;
  /** The Host header (the guard has checked it is local unless remote access is allowed). */
  host: string;
}

/** Mounts one guarded admin route (see `mountRoute`). */
export type AdminRoute = (
  method: 'get' | 'post' | 'del',
  path: string,
  handler: AdminHandler,
  postStatus?: number,
) => void;

const LIVE_TYPES = /^(connection|room|presence|fault)\./;

/**
 * The inspector API (`/v1/admin/...`, contract in docs/inspector.md). Every request passes the
 * `AdminGuard` (local Host/Origin, then the admin token) before anything else is read.
 * Returns what a shutdown must close (open event streams).
 */
export function mountAdminRoutes(app: TemplatedApp, deps: AdminRoutesDeps): TraceStreams {
  const guard = new AdminGuard({ token: deps.token, allowRemote: deps.allowRemote });
  const streams = new TraceStreams();
  const { views, traces } = deps;
  const get = (path: string, handler: AdminHandler) => mountRoute(app, guard, 'get', path, handler);
  get('/v1/admin/overview', () => views.overview());
  get('/v1/admin/connections', ({ query }) => views.connections({ ...appAndRoom(query), ...limitOf(query) }));
  get('/v1/admin/connections/:connectionId', ({ param }) => deps.connectionDetail(decode(param)));
  get('/v1/admin/rooms', ({ query }) => views.rooms(appAndRoom(query)));
  get('/v1/admin/rooms/:room', ({ query, param }) =>
    views.room(query.get('appId') || undefined, decode(param)),
  );
  get('/v1/admin/traces', async ({ query }) => ({ items: await traces.query(traceQuery(query)) }));
  get('/v1/admin/traces/stream', ({ query, response }) => {
    const { limit: _ignored, ...filter } = traceQuery(query);
    streams.serve(response, traces, filter);
    return undefined;
  });
  get('/v1/admin/events/stream', ({ query, response }) => {
    streams.serve(response, traces, appAndRoom(query), (event) => LIVE_TYPES.test(event.type));
    return undefined;
  });
  mountRoute(app, guard, 'post', '/v1/admin/publish', async ({ response }) => {
    const body = await readBody(response, deps.maxBodyBytes);
    const input = parsePublish(body, deps, views);
    if (!(await deps.appExists(input.appId))) {
      throw new RelayBoxError(ErrorCode.NotFound, `no app "${input.appId}"`);
    }
    return deps.publisher.publish({ ...input, via: 'admin' });
  });
  // 202: the owning gateway closes it (through the broker when it is another one).
  const disconnect: AdminHandler = async ({ response, param }) => {
    const options = parseDisconnect(await readBody(response, deps.maxBodyBytes));
    const connection = await views.findConnection(param);
    return deps.control.disconnect({
      nodeId: connection.gateway,
      connectionId: connection.connectionId,
      ...options,
    });
  };
  mountRoute(app, guard, 'post', '/v1/admin/connections/:connectionId/disconnect', disconnect, 202);
  // Fault injection (`client.expire-token`): the owning gateway closes it with 4101 `token expired`.
  const expire: AdminHandler = async ({ param }) => {
    const connection = await views.findConnection(param);
    return deps.control.disconnect({
      nodeId: connection.gateway,
      connectionId: connection.connectionId,
      reconnect: false,
      reason: 'token expired',
      expire: true,
    });
  };
  mountRoute(app, guard, 'post', '/v1/admin/connections/:connectionId/expire', expire, 202);
  // Fault injection (`client.slow`): the owning gateway makes the connection a slow reader.
  const slow: AdminHandler = async ({ response, param }) => {
    const request = parseSlowBody(await readBody(response, deps.maxBodyBytes));
    const connection = await views.findConnection(param);
    return deps.control.slow({
      nodeId: connection.gateway,
      connectionId: connection.connectionId,
      ...request,
    });
  };
  mountRoute(app, guard, 'post', '/v1/admin/connections/:connectionId/slow', slow, 202);
  const recover: AdminHandler = async ({ param }) => {
    const connection = await views.findConnection(param);
    return deps.control.slow({
      nodeId: connection.gateway,
      connectionId: connection.connectionId,
      readBytesPerSec: null,
      durationMs: 0,
    });
  };
  mountRoute(app, guard, 'del', '/v1/admin/connections/:connectionId/slow', recover);
  // The orchestrator marks injected faults on the traces timeline (fault.injected / fault.healed).
  mountRoute(app, guard, 'post', '/v1/admin/traces/marks', async ({ response }) => {
    const mark = parseFaultMark(await readBody(response, deps.maxBodyBytes));
    await traces.append([mark]);
    return { id: mark.id };
  });
  mountRoute(app, guard, 'del', '/v1/admin/rooms/:room/history', ({ query, param }) =>
    views.clearHistory(query.get('appId') || undefined, decode(param)),
  );
  const route: AdminRoute = (method, path, handler, status) =>
    mountRoute(app, guard, method, path, handler, status);
  if (deps.webhooks) mountWebhookAdminRoutes(route, deps.webhooks, views, deps.maxBodyBytes);
  if (deps.auth) mountAuthAdminRoutes(route, deps.auth, views, deps.maxBodyBytes);
  mountRoute(
    app,
    guard,
    'post',
    '/v1/admin/explain',
    async ({ response }) =>
      explainBody(deps.explainer, await readBody(response, deps.maxBodyBytes), deps.maxRoomNameLength),
    200,
  );
  mountPreflight(app, guard);
  mountRoute(app, guard, 'any', '/v1/admin/*', () => {
    throw new RelayBoxError(ErrorCode.NotFound, 'no such admin endpoint');
  });
  return streams;
}

export type AdminHandler = (request: AdminRequest) => Promise<unknown> | undefined;

/**
 * One guarded route: headers, query and parameter are read first (uWS invalidates the request
 * after the handler returns), then the guard decides, then the handler answers (201 for POST);
 * a handler that returns undefined answers by itself (event streams).
 */
function mountRoute(
  app: TemplatedApp,
  guard: AdminGuard,
  method: 'get' | 'post' | 'del' | 'any',
  path: string,
  handler: AdminHandler,
  postStatus = 201,
): void {
  app[method](path, (res: HttpResponse, req: HttpRequest) => {
    const headers: AdminRequestHeaders = {
      host: req.getHeader('host'),
      origin: req.getHeader('origin'),
      authorization: req.getHeader('authorization'),
    };
    const query = new URLSearchParams(req.getQuery() ?? '');
    const param = req.getParameter(0) ?? '';
    const response = new AdminResponse(res, guard.corsOrigin(headers.origin), req.getMethod() === 'head');
    try {
      guard.check(headers);
      handler({ query, param, response, host: headers.host })?.then(
        (body) => response.json(method === 'post' ? postStatus : 200, body),
        (error: unknown) => response.error(error),
      );
    } catch (error) {
      response.error(error);
    }
  });
}

/** CORS preflights: answered for local origins only (they carry no token). */
function mountPreflight(app: TemplatedApp, guard: AdminGuard): void {
  app.options('/v1/admin/*', (res: HttpResponse, req: HttpRequest) => {
    const headers = { host: req.getHeader('host'), origin: req.getHeader('origin') };
    const response = new AdminResponse(res, guard.corsOrigin(headers.origin), req.getMethod() === 'head');
    try {
      guard.checkOrigin(headers);
    } catch (error) {
      response.error(error);
      return;
    }
    res.cork(() => {
      res.writeStatus('204 No Content');
      response.cors();
      res
        .writeHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS')
        .writeHeader('access-control-allow-headers', 'authorization, content-type')
        .writeHeader('access-control-max-age', '600')
        .end();
    });
  });
}

/** Without an admin token in production the admin API does not exist: every path answers 404. */
export function mountDisabledAdminRoutes(app: TemplatedApp): void {
  app.any('/v1/admin/*', (res: HttpResponse) => {
    const response = new AdminResponse(res, undefined);
    response.error(new RelayBoxError(ErrorCode.NotFound, 'not found'));
  });
}

function appAndRoom(query: URLSearchParams): { appId?: string; room?: string } {
  const appId = query.get('appId');
  const room = query.get('room');
  return { ...(appId ? { appId } : {}), ...(room ? { room } : {}) };
}

function limitOf(query: URLSearchParams): { limit?: number } {
  const raw = query.get('limit');
  if (raw === null || raw === '') return {};
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"limit" must be a positive integer');
  }
  return { limit };
}

function traceQuery(query: URLSearchParams): TraceQuery {
  const messageId = query.get('messageId');
  return { ...appAndRoom(query), ...(messageId ? { messageId } : {}), ...limitOf(query) };
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRoomName, 'room is not valid percent-encoding');
  }
}
