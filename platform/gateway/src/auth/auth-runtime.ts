import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import {
  ActionTokens,
  AuthAdmin,
  AuthEmail,
  type AuthKeys,
  AuthMfa,
  AuthOAuth,
  AuthService,
  type AuthServiceDeps,
  type DevMailbox,
  type Mailer,
  OAuthClient,
} from '@relaybox/auth';
import type { Broker } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { Logger } from '../logger.js';
import { authHooks } from '../tracing/auth-traces.js';
import type { Tracer } from '../tracing/tracer.js';
import { type CloseUserConnections, UserRevocations } from './user-revocations.js';

/** What the composition root gives the gateway for its auth service (auth-setup.ts). */
export interface AuthSetup extends Omit<AuthServiceDeps, 'hooks' | 'actions'> {
  keys: AuthKeys;
  /** The mailer of an app's mails: SMTP, or the app's dev inbox. */
  mailer(appId: string): Mailer;
  /** The dev inboxes (no SMTP configured): readable through the admin route. */
  devMailbox?: (appId: string) => DevMailbox;
  /** Releases the mailer's connections (SMTP pool) at shutdown. */
  closeMailer?: () => void;
}

/** The auth service's parts on one gateway, wired to its tracer and to the revocation channel. */
export interface AuthRuntime {
  service: AuthService;
  admin: AuthAdmin;
  mfa: AuthMfa;
  email: AuthEmail;
  oauth: AuthOAuth;
  revocations: UserRevocations;
  devMailbox: ((appId: string) => DevMailbox) | undefined;
}

export function createAuthRuntime(
  setup: AuthSetup,
  broker: Broker,
  closeUser: CloseUserConnections,
  tracer: Tracer,
  log: Logger,
): AuthRuntime {
  const revocations = new UserRevocations(broker, closeUser, log);
  const hooks = authHooks(tracer, revocations);
  const actions = new ActionTokens((appId, purpose) => setup.keys.actionKey(appId, purpose));
  // Sign-up mails the verification link through AuthEmail, built below with the service.
  const late: { email?: AuthEmail } = {};
  const service = new AuthService({
    ...setup,
    actions,
    hooks,
    sendVerification: (user) => late.email?.sendVerificationInBackground(user),
  });
  const { store, limiter, passwords, keys } = setup;
  const email = new AuthEmail({
    service,
    store,
    limiter,
    passwords,
    actions,
    hooks,
    mailer: setup.mailer,
    onSendFailed: (appId, error) => log.warn('auth mail not sent', { appId, error: String(error) }),
  });
  late.email = email;
  return {
    service,
    admin: new AuthAdmin(service, store, hooks),
    mfa: new AuthMfa({ service, store, limiter, keys, actions, hooks }),
    email,
    oauth: new AuthOAuth({ service, store, keys, client: new OAuthClient(), hooks }),
    revocations,
    devMailbox: setup.devMailbox,
  };
}

export type ClientAddress = (res: HttpResponse, req: HttpRequest) => string;

/** Largest page of the dev mailbox's routes. */
export const MAX_DEV_MAILS_PAGE = 200;

/**
 * The newest mails of an app's dev inbox, for the app-key route and the admin-token route alike:
 * `auth_not_enabled` without a user pool, `not_found` when mails go out through SMTP.
 */
export async function devMailsOf(runtime: AuthRuntime, appId: string, rawLimit: string | null) {
  await runtime.service.config(appId);
  if (!runtime.devMailbox)
    throw new RelayBoxError(ErrorCode.NotFound, 'mails go out through SMTP: no dev mailbox');
  const limit = Math.min(MAX_DEV_MAILS_PAGE, Math.max(1, Number(rawLimit ?? 50) || 50));
  return { items: runtime.devMailbox(appId).list({ limit }) };
}
