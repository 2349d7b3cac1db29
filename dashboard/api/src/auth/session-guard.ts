import { ErrorCode } from '@relaybox/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../lib/api-error.js';
import { safeEqual } from '../lib/ids.js';
import type { Services } from '../services.js';
import { SESSION_COOKIE, type SessionInfo } from './session-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionInfo | null;
    sessionCookie: string | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Signup and login start a new session; they do not act with the current one. */
const CSRF_EXEMPT = new Set(['/api/auth/signup', '/api/auth/login']);

/**
 * Loads the session of `/api/*` requests from the `rb_session` cookie and enforces CSRF: a
 * non-GET request made with a session must carry `x-csrf-token` equal to the session's token.
 * Runs in onRequest, before the body is parsed or validated.
 */
export function installSessionGuard(app: FastifyInstance, services: Services): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionCookie', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return;
    request.session = await services.sessions.load(cookie);
    if (!request.session) return;
    request.sessionCookie = cookie;
    if (SAFE_METHODS.has(request.method) || CSRF_EXEMPT.has(request.routeOptions.url ?? '')) return;
    const header = request.headers['x-csrf-token'];
    if (typeof header !== 'string' || !safeEqual(header, request.session.csrfToken)) {
      throw new ApiError(ErrorCode.CsrfInvalid, 'missing or wrong x-csrf-token header');
    }
  });
}

export function requireSession(request: FastifyRequest): SessionInfo {
  if (!request.session) throw new ApiError(ErrorCode.Unauthorized, 'sign in first');
  return request.session;
}
