import type { VerifiedAccess } from '@relaybox/auth';
import { ErrorCode, Grants, RelayBoxError } from '@relaybox/protocol';
import type { Principal } from './principal.js';

/** What the authenticator needs of the auth service. */
export interface UserTokenVerifier {
  verifyAccess(token: string, appId: string): Promise<VerifiedAccess>;
}

/**
 * A signed-in user's access token as a Principal: `clientId` = user id, permissions = the app's
 * per-user policy in force ∩ the token's, `user` = the server-vouched identity presence shows.
 */
export async function verifyUserToken(
  users: UserTokenVerifier | undefined,
  token: string,
  appId: string,
  options: { maxTokenLifetimeSec: number; clockToleranceSec: number },
): Promise<Principal> {
  if (!users) throw new RelayBoxError(ErrorCode.KeyUnknown, 'this gateway has no auth service');
  const access = await users.verifyAccess(token, appId);
  if (access.expiresAt - Date.now() > (options.maxTokenLifetimeSec + options.clockToleranceSec) * 1000) {
    throw new RelayBoxError(
      ErrorCode.TokenLifetimeTooLong,
      `token expires more than ${options.maxTokenLifetimeSec} s from now`,
    );
  }
  return {
    appId,
    keyId: '$auth',
    clientId: access.userId,
    grants: new Grants(access.policy, access.permissions),
    via: 'token',
    expiresAt: access.expiresAt,
    user: { id: access.userId, name: access.user.name ?? undefined, avatar: access.user.avatar ?? undefined },
    authSessionId: access.sessionId,
  };
}
