import type { HistoryStore, PresenceStore } from '@relaybox/core';
import type { AdminConnectionDetail, AdminConnectionRoom, AdminSubscriptionState } from '@relaybox/protocol';
import type { ClientSession } from '../client-session.js';
import type { AdminViews } from './admin-views.js';
import type { FrameRecorder } from './frame-recorder.js';
import type { SnapshotSource } from './node-snapshot.js';

export interface ConnectionDetailDeps {
  views: Pick<AdminViews, 'findConnection'>;
  source: Pick<SnapshotSource, 'nodeId' | 'sessions'>;
  recorder: FrameRecorder;
  history: Pick<HistoryStore, 'bounds'>;
  presence: Pick<PresenceStore, 'members'>;
}

/**
 * `GET /v1/admin/connections/:id`: the connection as its gateway's snapshot lists it, its rooms
 * (subscription states, the room's last seq, its presence there) and, when this gateway holds it,
 * the frames recorded since the watch this read starts or extends. Another gateway's connection
 * has `frames: null` and subscription states `unknown` (ask that gateway).
 */
export async function connectionDetail(
  deps: ConnectionDetailDeps,
  connectionId: string,
): Promise<AdminConnectionDetail> {
  const connection = await deps.views.findConnection(connectionId);
  const session =
    connection.gateway === deps.source.nodeId ? localSession(deps.source, connectionId) : undefined;
  const frames = session ? deps.recorder.watch(session, deps.source.nodeId) : null;
  const rooms = await Promise.all(
    connection.rooms.map(async (room): Promise<AdminConnectionRoom> => {
      const [bounds, members] = await Promise.all([
        deps.history.bounds(connection.appId, room),
        deps.presence.members(connection.appId, room),
      ]);
      const state = session?.joinedRooms.get(room);
      return {
        room,
        messages: subscription(state?.messages),
        presence: subscription(state?.presence),
        lastSeq: bounds.latestSeq,
        member: members.find((m) => m.connectionId === connectionId) ?? null,
      };
    }),
  );
  return { connection, rooms, frames };
}

function localSession(
  source: Pick<SnapshotSource, 'sessions'>,
  connectionId: string,
): ClientSession | undefined {
  for (const session of source.sessions()) if (session.connectionId === connectionId) return session;
  return undefined;
}

function subscription(state: 'none' | 'pending' | 'on' | undefined): AdminSubscriptionState {
  return state ?? 'unknown';
}
