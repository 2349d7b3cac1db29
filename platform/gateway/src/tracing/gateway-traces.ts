import type { RelayBoxError } from '@relaybox/protocol';
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

/** `auth.failed`: an upgrade refused (credentials or admission), with the answer the client got. */
export function traceRefusal(tracer: Tracer, refusal: RelayBoxError, ip: string): void {
  const { code, status, message } = refusal;
  tracer.emit('auth.failed', { detail: { reason: message, status, code, ip } });
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
