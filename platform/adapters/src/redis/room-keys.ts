/**
 * Redis keys of one room. Every key of a room carries the hash tag `{<appId>:<room>}` so scripts that
 * touch several of them stay in one cluster slot; the appId (which never contains `:`) keeps rooms
 * of different apps apart.
 */
export interface RoomKeys {
  /** String: the last assigned seq. */
  seq: string;
}

export function roomKeys(prefix: string, appId: string, room: string): RoomKeys {
  const base = `${prefix}{${appId}:${room}}`;
  return { seq: `${base}:seq` };
}
