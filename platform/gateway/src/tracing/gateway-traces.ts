import { type RelayBoxError, upgradeCheckOf } from '@relaybox/protocol';
import { permissionLayers } from '../admin/explainer.js';
import { keyName } from '../auth/authenticator.js';
import { type CredentialSources, extractCredentials } from '../auth/credentials.js';
import type { Principal } from '../auth/principal.js';
import type { PresenceListener } from '../presence-service.js';
import type { Tracer } from './tracer.js';

// The gateway's non-message trace events. Callers test `tracer.on` first (the hot-path contract).

/** `presence.enter|update|leave` for every presence change this gateway broadcasts. */
export function presenceTraces(tracer: Tracer): PresenceListener {
  return (appId, room, { action, member }) =>
    tracer.emit(`presence.${action}`, {
      appId,
      room,
      clientId: member.clientId,
      connectionId: member.connectionId,
      detail: { data: member.data },
    });
}

/**
 * `auth.failed`: an upgrade refused (credentials or admission), with the answer the client got, the
 * check that refused it, and the key the credentials named (`kid`, never a secret).
 */
export function traceRefusal(tracer: Tracer, refusal: RelayBoxError, ip: string, kid?: string): void {
  const { code, status, message } = refusal;
  const check = upgradeCheckOf(code);
  tracer.emit('auth.failed', {
    ...(kid ? { appId: kid.slice(0, kid.indexOf('.')) } : {}),
    detail: { reason: message, status, code, ip, check, ...(kid ? { kid } : {}) },
  });
}

/** The `<appId>.<keyId>` the upgrade's credentials name, unverified; undefined when none. */
export function namedKey(sources: CredentialSources): string | undefined {
  try {
    return keyName(extractCredentials(sources));
  } catch {
    return undefined;
  }
}

/**
 * `permission.denied`: a request refused for lack of permission, with the connection's permission
 * layers at that moment (so the explanation holds after the connection is gone).
 */
export function traceDenial(
  tracer: Tracer,
  session: { appId: string; clientId: string; connectionId: string; authenticated: Principal },
  room: string,
  operation: string,
): void {
  const { appId, clientId, connectionId } = session;
  tracer.emit('permission.denied', {
    appId,
    room,
    clientId,
    connectionId,
    detail: {
      operation,
      keyId: session.authenticated.keyId,
      layers: permissionLayers(session.authenticated),
    },
  });
}

export function traceConnection(
  tracer: Tracer,
  type: 'connection.open' | 'connection.resume' | 'connection.close' | 'room.join' | 'room.leave',
  session: { appId: string; clientId: string; connectionId: string },
  extra: { room?: string; detail?: Record<string, unknown> } = {},
): void {
  const { appId, clientId, connectionId } = session;
  tracer.emit(type, { appId, clientId, connectionId, ...extra });
}
