import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ClearHistoryResult, RoomDetail, RoomInfo } from '../../../lib/admin-types.js';
import { adminDelete, adminGet, LIVE_MS } from '../../connection/api/clients.js';
import type { ConsoleConnection } from '../../connection/api/connection.js';
import { useConsoleConnection } from '../../connection/components/connection-context.js';

export const fetchRooms = (connection: ConsoleConnection) =>
  adminGet<{ items: RoomInfo[] }>(connection, '/rooms');

export const roomsQueryOptions = (connection: ConsoleConnection) =>
  queryOptions({
    queryKey: ['admin', 'rooms'],
    queryFn: () => fetchRooms(connection),
    refetchInterval: LIVE_MS,
  });

export const useRooms = () => useQuery(roomsQueryOptions(useConsoleConnection()));

export const fetchRoom = (connection: ConsoleConnection, appId: string, room: string) =>
  adminGet<RoomDetail>(connection, `/rooms/${encodeURIComponent(room)}?appId=${encodeURIComponent(appId)}`);

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
