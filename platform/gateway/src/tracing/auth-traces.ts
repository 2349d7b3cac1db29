import type { AuthHooks } from '@relaybox/auth';
import type { UserRevocations } from '../auth/user-revocations.js';
import type { Tracer } from './tracer.js';

/**
 * The auth service's hooks on a gateway: its events go to the trace stream (`auth.signup`,
 * `auth.signin`, `auth.signin.failed`, `auth.refresh.reused`, `auth.signout`, `auth.revoked`; the
 * user id as `clientId`, never an email, password or token), revocations to every gateway.
 */
export function authHooks(tracer: Tracer, revocations: UserRevocations): AuthHooks {
  return {
    event: ({ type, appId, userId, detail }) => {
      if (!tracer.on) return;
      tracer.emit(type, { appId, ...(userId ? { clientId: userId } : {}), ...(detail ? { detail } : {}) });
    },
    revoked: (appId, userId, sessions) => revocations.publish(appId, userId, sessions),
  };
}
