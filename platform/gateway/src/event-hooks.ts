import type { ClientSession, SessionDeps } from './client-session.js';
import type { PresenceService } from './presence-service.js';
import { presenceTraces, traceConnection } from './tracing/gateway-traces.js';
import type { Tracer } from './tracing/tracer.js';
import type { WebhookHooks } from './webhook-hooks.js';

// Where presence and room membership changes fan out to the inspector's traces and to webhooks.
// Nothing is attached when neither is on, so those paths then cost nothing.

/** Presence changes become trace events and `presence.*` webhooks. */
export function observePresence(
  presence: PresenceService,
  tracer: Tracer,
  webhooks: WebhookHooks | undefined,
): void {
  if (tracer.on) presence.onChange(presenceTraces(tracer));
  if (!webhooks) return;
  presence.onChange((appId, room, { action, member }) =>
    webhooks.emit(appId, `presence.${action}`, {
      connectionId: member.connectionId,
      clientId: member.clientId,
      room,
      data: member.data,
    }),
  );
}

/** Joins and leaves become `room.join`/`room.leave` traces and `room.joined`/`room.left` webhooks. */
export function roomEventHook(tracer: Tracer, webhooks: WebhookHooks | undefined): SessionDeps['onRoom'] {
  if (!webhooks && !tracer.on) return undefined;
  return (session: ClientSession, room: string, joined: boolean) => {
    const { appId, connectionId, clientId } = session;
    if (tracer.on) traceConnection(tracer, joined ? 'room.join' : 'room.leave', session, { room });
    webhooks?.emit(appId, joined ? 'room.joined' : 'room.left', { connectionId, clientId, room });
  };
}
