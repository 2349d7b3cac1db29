/**
 * Redis keys of one room. Every key of a room carries the hash tag `{<appId>:<room>}` so scripts that
 * touch several of them stay in one cluster slot; the appId (which never contains `:`) keeps rooms
 * of different apps apart.
 */
export interface RoomKeys {
  /** String: the last assigned seq. */
  seq: string;
  /** ZSET: the room's history, score = seq, member = the message frame exactly as delivered. */
  history: string;
  /** String with a TTL: present while the room's entry in the history rooms index is fresh. */
  historyIndexed: string;
  /** Prefix of the room's idempotency records; the store appends a digest of the key. */
  idempotency: string;
  /** HASH: the room's presence members, connectionId → member (see presence-keys.ts). */
  presence: string;
}

export function roomKeys(prefix: string, appId: string, room: string): RoomKeys {
  const base = `${prefix}{${appId}:${room}}`;
  return {
    seq: `${base}:seq`,
    history: `${base}:history`,
    historyIndexed: `${base}:history-indexed`,
    idempotency: `${base}:idem:`,
    presence: `${base}:presence`,
  };
}

/**
 * The index of rooms with history, walked by age trimming. Both keys share the hash tag
 * `{history-index}` (one slot of their own, never a room's): scripts touch either a room's keys or
 * these, never both, so every script stays in one cluster slot.
 */
export interface HistoryIndexKeys {
  /** ZSET: member `<appId>:<room>`, score = when the room's oldest message expires (ms). */
  rooms: string;
  /** HASH: member -> the highest seq an append recorded in the index. */
  seqs: string;
}

export function historyIndexKeys(prefix: string): HistoryIndexKeys {
  return { rooms: `${prefix}{history-index}:rooms`, seqs: `${prefix}{history-index}:seqs` };
}

/** The index member of a room; an appId never contains `:`, so the first `:` splits it back. */
export function historyIndexMember(appId: string, room: string): string {
  return `${appId}:${room}`;
}
