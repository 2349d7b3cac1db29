import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { type AuthRuntime, devMailsOf } from '../auth/auth-runtime.js';
import { type AuthRequest, authRoute, bearer, mountAuthPreflight } from './auth-http.js';
import type { RestAccess } from './rest-access.js';

export interface AuthRoutesDeps extends AuthRuntime {
  access: RestAccess;
  /** The client's address (trusted proxies' X-Forwarded-For), for per-address limits. */
  clientAddress(res: HttpResponse, req: HttpRequest): string;
}

const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The auth service's HTTP API (contract in docs/auth.md). End-user routes take the app from the path
 * and an access token or a JSON body; `/admin` routes take an API key of that app. Every call first
 * draws from the address's REST budget, so bad input cannot be sent faster than any other REST call.
 */
export function mountAuthRoutes(app: TemplatedApp, deps: AuthRoutesDeps): void {
  const { service, admin, mfa, email, oauth, access } = deps;
  const route = (
    method: 'get' | 'post' | 'patch',
    path: string,
    params: number,
    handler: (request: AuthRequest, appId: string) => Promise<unknown>,
    status = 200,
  ) =>
    authRoute(
      app,
      method,
      path,
      params,
      deps.clientAddress,
      async (request) => {
        access.takeAddress(request.ip);
        return handler(request, appIdOf(request.params[0] ?? ''));
      },
      status,
    );
  route(
    'post',
    '/v1/auth/:appId/signup',
    1,
    async (r, appId) => service.signUp(appId, await r.body(), r.ip),
    201,
  );
  route('post', '/v1/auth/:appId/signin', 1, async (r, appId) => service.signIn(appId, await r.body(), r.ip));
  route('post', '/v1/auth/:appId/signin/mfa', 1, async (r, appId) =>
    mfa.completeSignIn(appId, await r.body()),
  );
  route('post', '/v1/auth/:appId/signin/mfa-enroll', 1, async (r, appId) =>
    mfa.enrollForSignIn(appId, await r.body()),
  );
  route('post', '/v1/auth/:appId/signin/mfa-activate', 1, async (r, appId) =>
    mfa.activateForSignIn(appId, await r.body()),
  );
  route('post', '/v1/auth/:appId/mfa/totp/enroll', 1, (r, appId) =>
    mfa.enroll(appId, bearer(r.authorization)),
  );
  route('post', '/v1/auth/:appId/mfa/totp/activate', 1, async (r, appId) =>
    mfa.activate(appId, bearer(r.authorization), await r.body()),
  );
  route('post', '/v1/auth/:appId/mfa/totp/disable', 1, async (r, appId) =>
    mfa.disable(appId, bearer(r.authorization), await r.body()),
  );
  route(
    'post',
    '/v1/auth/:appId/verify-email/request',
    1,
    async (r, appId) =>
      r.authorization === ''
        ? email.requestVerificationByEmail(appId, await r.body(), r.ip)
        : email.requestVerification(appId, bearer(r.authorization)),
    202,
  );
  route('post', '/v1/auth/:appId/verify-email', 1, async (r, appId) =>
    email.verifyEmail(appId, await r.body()),
  );
  route(
    'post',
    '/v1/auth/:appId/password-reset/request',
    1,
    async (r, appId) => email.requestReset(appId, await r.body(), r.ip),
    202,
  );
  route('post', '/v1/auth/:appId/password-reset', 1, async (r, appId) =>
    email.resetPassword(appId, await r.body()),
  );
  route('post', '/v1/auth/:appId/oauth/:provider/start', 2, async (r, appId) =>
    oauth.start(appId, providerOf(r), await r.body()),
  );
  route('post', '/v1/auth/:appId/oauth/:provider/callback', 2, async (r, appId) =>
    oauth.callback(appId, providerOf(r), await r.body()),
  );
  route('post', '/v1/auth/:appId/refresh', 1, async (r, appId) => service.refresh(appId, await r.body()));
  route('post', '/v1/auth/:appId/signout', 1, (r, appId) => service.signOut(appId, bearer(r.authorization)));
  route('post', '/v1/auth/:appId/signout-everywhere', 1, (r, appId) =>
    service.signOutEverywhere(appId, bearer(r.authorization)),
  );
  route('get', '/v1/auth/:appId/user', 1, async (r, appId) => ({
    user: await service.getUser(appId, bearer(r.authorization)),
  }));
  route('patch', '/v1/auth/:appId/user', 1, async (r, appId) => ({
    user: await service.updateProfile(appId, bearer(r.authorization), await r.body()),
  }));

  const adminRoute = (
    method: 'get' | 'post' | 'patch',
    path: string,
    params: number,
    handler: (request: AuthRequest, appId: string) => Promise<unknown>,
  ) =>
    route(method, path, params, async (request, appId) => {
      const principal = await access.authenticate(request.ip, request.authorization, true);
      if (principal.via !== 'apiKey' || principal.appId !== appId) {
        throw new RelayBoxError(
          ErrorCode.PermissionDenied,
          `user administration needs an API key of app "${appId}"`,
        );
      }
      return handler(request, appId);
    });
  adminRoute('get', '/v1/auth/:appId/admin/users', 1, (r, appId) => admin.listUsers(appId, r.query));
  adminRoute('get', '/v1/auth/:appId/admin/users/:userId', 2, (r, appId) =>
    admin.getUser(appId, param(r, 1)),
  );
  adminRoute('patch', '/v1/auth/:appId/admin/users/:userId', 2, async (r, appId) =>
    admin.updateUser(appId, param(r, 1), await r.body()),
  );
  adminRoute('post', '/v1/auth/:appId/admin/users/:userId/revoke', 2, (r, appId) =>
    admin.revokeUser(appId, param(r, 1)),
  );
  adminRoute('post', '/v1/auth/:appId/admin/sessions/:sessionId/revoke', 2, (r, appId) =>
    admin.revokeSession(appId, param(r, 1)),
  );
  adminRoute('get', '/v1/auth/:appId/admin/dev-mailbox', 1, (r, appId) =>
    devMailsOf(deps, appId, r.query.get('limit')),
  );
  mountAuthPreflight(app);
}

function appIdOf(raw: string): string {
  if (!APP_ID.test(raw))
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'app id must match [A-Za-z0-9_-]{1,64}');
  return raw;
}

function providerOf(request: AuthRequest): string {
  const raw = request.params[1] ?? '';
  if (!/^[a-z0-9_-]{1,64}$/.test(raw)) throw new RelayBoxError(ErrorCode.NotFound, 'no such provider');
  return raw;
}

function param(request: AuthRequest, index: number): string {
  const raw = request.params[index] ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw))
    throw new RelayBoxError(ErrorCode.NotFound, 'no such user or session');
  return raw;
}
