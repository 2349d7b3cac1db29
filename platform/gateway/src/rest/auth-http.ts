import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { AuthProviderError } from '@relaybox/auth';
import { ErrorCode, isErrorCode, RelayBoxError } from '@relaybox/protocol';
import { ResponseGuard, readBody, statusLine } from '../uws/http.js';

/** Largest body of an auth request. */
export const MAX_AUTH_BODY_BYTES = 16 * 1024;

/**
 * Responses of `/v1/auth/...`: JSON with `cache-control: no-store` (they carry tokens) and CORS open
 * to every origin without credentials. The auth routes take bearer tokens and JSON bodies only, never
 * cookies, so a cross-site page can do nothing with them it could not do from its own server (no
 * CSRF surface); the app's own origin list (cloud mode) still decides which origins may open
 * WebSockets.
 */
export class AuthResponse extends ResponseGuard {
  override json(status: number, body: unknown): void {
    if (this.aborted) return;
    const text = status === 204 ? undefined : JSON.stringify(body);
    this.res.cork(() => {
      const head = this.res
        .writeStatus(statusLine(status))
        .writeHeader('cache-control', 'no-store')
        .writeHeader('access-control-allow-origin', '*');
      if (text === undefined) head.endWithoutBody();
      else head.writeHeader('content-type', 'application/json').end(text);
    });
  }
}

/** What a handler sees: headers and parameters are read before the first await (uWS rule). */
export interface AuthRequest {
  params: string[];
  authorization: string;
  query: URLSearchParams;
  ip: string;
  response: AuthResponse;
  body(): Promise<Record<string, unknown>>;
}

export type AuthHandler = (request: AuthRequest) => Promise<unknown>;

/** Mounts one route: the handler's value is the JSON answer (`status`), an error the shared error body. */
export function authRoute(
  app: TemplatedApp,
  method: 'get' | 'post' | 'patch',
  path: string,
  params: number,
  clientAddress: (res: HttpResponse, req: HttpRequest) => string,
  handler: AuthHandler,
  status = 200,
): void {
  app[method](path, (res: HttpResponse, req: HttpRequest) => {
    const response = new AuthResponse(res);
    // uWS hands the body only to a handler attached before the route returns: read it now.
    const body =
      method === 'get' ? Promise.resolve(Buffer.alloc(0)) : readBody(response, MAX_AUTH_BODY_BYTES);
    body.catch(() => {}); // observed by body(); this only keeps an early refusal from leaving it unhandled
    const request: AuthRequest = {
      params: Array.from({ length: params }, (_, i) => req.getParameter(i) ?? ''),
      authorization: req.getHeader('authorization'),
      query: new URLSearchParams(req.getQuery() ?? ''),
      ip: clientAddress(res, req),
      response,
      body: () => body.then(parseJson),
    };
    handler(request).then(
      (value) => response.json(value === undefined ? 204 : status, value ?? null),
      (error: unknown) => response.error(toAuthError(error)),
    );
  });
}

/** CORS preflights of `/v1/auth/*`. */
export function mountAuthPreflight(app: TemplatedApp): void {
  app.options('/v1/auth/*', (res: HttpResponse) => {
    res.cork(() => {
      res
        .writeStatus('204 No Content')
        .writeHeader('access-control-allow-origin', '*')
        .writeHeader('access-control-allow-methods', 'GET, POST, PATCH, OPTIONS')
        .writeHeader('access-control-allow-headers', 'authorization, content-type')
        .writeHeader('access-control-max-age', '600')
        .endWithoutBody();
    });
  });
}

/** The building blocks' `AuthProviderError` (OAuth, TOTP, mail) as the shared error body. */
function toAuthError(error: unknown): unknown {
  if (error instanceof AuthProviderError && isErrorCode(error.code)) {
    return new RelayBoxError(error.code, error.message, { cause: error });
  }
  return error;
}

export function bearer(authorization: string): string {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1];
  if (!token) {
    throw new RelayBoxError(
      ErrorCode.TokenMissing,
      'send the access token as "Authorization: Bearer <token>"',
    );
  }
  return token;
}

function parseJson(buffer: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = buffer.length === 0 ? {} : JSON.parse(buffer.toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
