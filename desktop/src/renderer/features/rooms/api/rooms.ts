import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ClearHistoryResult, RoomDetail, RoomInfo } from '../../../lib/admin-types.js';
import { adminDelete, adminGet, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';
import { rateHistory } from './rate-window.js';

/** Every answer's rates feed the chart's history (the list and the room page both poll each second). */
export async function fetchRooms(connection: ConsoleConnection) {
  const answer = await adminGet<{ items: RoomInfo[] }>(connection, '/rooms');
  const now = Date.now();
  for (const r of answer.items) rateHistory.record(r.appId, r.room, r.messageRate, now);
  return answer;
}

export const roomsQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: ['admin', 'rooms'],
    queryFn: () => fetchRooms(connection),
    refetchInterval: LIVE_MS,
  });

export const useRooms = () => useQuery(roomsQueryOptions(useConsoleConnection()));

export async function fetchRoom(connection: ConsoleConnection, appId: string, room: string) {
  const detail = await adminGet<RoomDetail>(
    connection,
    `/rooms/${encodeURIComponent(room)}?appId=${encodeURIComponent(appId)}`,
  );
  rateHistory.record(detail.appId, detail.room, detail.messageRate, Date.now());
  return detail;
}

export const roomQueryOptions = (connection: ConsoleConnection, appId: string, room: string) =>
  queryOptions({
    queryKey: ['admin', 'rooms', appId, room],
    queryFn: () => fetchRoom(connection, appId, room),
    refetchInterval: LIVE_MS,
  });

export const useRoom = (appId: string, room: string) =>
  useQuery(roomQueryOptions(useConsoleConnection(), appId, room));

export const clearRoomHistory = (connection: ConsoleConnection, appId: string, room: string) =>
  adminDelete<ClearHistoryResult>(
    connection,
    `/rooms/${encodeURIComponent(room)}/history?appId=${encodeURIComponent(appId)}`,
  );

/** Empties a room's history on every gateway; the room views refresh at once. */
export function useClearHistory(appId: string, room: string) {
  const connection = useConsoleConnection();
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => clearRoomHistory(connection, appId, room),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin', 'rooms'] }),
  });
}
