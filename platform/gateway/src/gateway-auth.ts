import { AuthGuard } from './auth/auth-guard.js';
import { type AuthRuntime, createAuthRuntime } from './auth/auth-runtime.js';
import { Authenticator } from './auth/authenticator.js';
import { IdpVerifier } from './auth/idp-verifier.js';
import type { CloseUserConnections } from './auth/user-revocations.js';
import type { GatewayDeps, GatewayOptions } from './gateway-options.js';
import { RestAccess } from './rest/rest-access.js';
import type { Tracer } from './tracing/tracer.js';

/** How a gateway tells who a connection or a REST call is: shared by upgrades, REST and the admin explainer. */
export interface GatewayAuth {
  authenticator: Authenticator;
  /** Failed authentications per address, checked before any key lookup (upgrades and REST). */
  guard: AuthGuard;
  restAccess: RestAccess;
  /** The auth service of the apps' end users, when one runs (`/v1/auth/...`). */
  runtime: AuthRuntime | undefined;
}

/**
 * Builds the gateway's authentication: API keys and tokens of the key store, external identity
 * providers, and the end users' auth service (whose revocations close this gateway's connections
 * of the user through `closeUser`).
 */
export function createGatewayAuth(
  options: Pick<GatewayOptions, 'tokenClockToleranceSec' | 'limits'>,
  deps: Pick<GatewayDeps, 'keys' | 'identityProviders' | 'auth' | 'broker' | 'log'>,
  closeUser: CloseUserConnections,
  tracer: Tracer,
): GatewayAuth {
  const { limits } = options;
  const tokenLimits = {
    clockToleranceSec: options.tokenClockToleranceSec,
    maxTokenLifetimeSec: limits.maxTokenLifetimeSec,
  };
  const idp = deps.identityProviders?.length
    ? new IdpVerifier(deps.identityProviders, tokenLimits)
    : undefined;
  const runtime = deps.auth && createAuthRuntime(deps.auth, deps.broker, closeUser, tracer, deps.log);
  const authenticator = new Authenticator(deps.keys, tokenLimits, idp, runtime?.service);
  const guard = new AuthGuard(authenticator, limits.authFailureRatePerSecond, limits.authFailureBurst);
  return { authenticator, guard, restAccess: new RestAccess(guard, limits), runtime };
}
