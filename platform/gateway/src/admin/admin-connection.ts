import type { HistoryStore, PresenceStore } from '@relaybox/core';
import type { AdminConnectionDetail, AdminConnectionRoom } from '@relaybox/protocol';
import type { AdminControl } from './admin-control.js';
import type { AdminViews } from './admin-views.js';

export interface ConnectionDetailDeps {
  views: Pick<AdminViews, 'findConnection'>;
  control: Pick<AdminControl, 'inspect'>;
  history: Pick<HistoryStore, 'bounds'>;
  presence: Pick<PresenceStore, 'members'>;
}

/**
 * `GET /v1/admin/connections/:id`, on any gateway: the connection as its gateway's snapshot lists
 * it, its rooms (the room's last seq and its presence there, from the shared stores) and what its
 * own gateway reports, asked through the control channel when it is another one: the subscription
 * states and the frames recorded since the watch this read starts or extends. When that gateway
 * cannot report (gone, cut off, the connection closed), `frames` is null, the states `unknown`
 * and `framesError` says why, within the report timeout.
 */
export async function connectionDetail(
  deps: ConnectionDetailDeps,
  connectionId: string,
): Promise<AdminConnectionDetail> {
  const connection = await deps.views.findConnection(connectionId);
  const asked = deps.control.inspect(connection.gateway, connectionId);
  const rooms = Promise.all(
    connection.rooms.map(async (room) => {
      const [bounds, members] = await Promise.all([
        deps.history.bounds(connection.appId, room),
        deps.presence.members(connection.appId, room),
      ]);
      return {
        room,
        lastSeq: bounds.latestSeq,
        member: members.find((m) => m.connectionId === connectionId) ?? null,
      };
    }),
  );
  const [result, shared] = await Promise.all([asked, rooms]);
  const report = 'report' in result ? result.report : undefined;
  return {
    connection,
    rooms: shared.map(
      ({ room, lastSeq, member }): AdminConnectionRoom => ({
        room,
        messages: report?.states[room]?.messages ?? 'unknown',
        presence: report?.states[room]?.presence ?? 'unknown',
        lastSeq,
        member,
      }),
    ),
    frames: report?.frames ?? null,
    framesError: 'error' in result ? result.error : null,
  };
}
