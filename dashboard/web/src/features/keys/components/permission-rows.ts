import {
  allows,
  isValidPattern,
  matchesPattern,
  OPERATIONS,
  type Operation,
  type PermissionMap,
} from '@relaybox/protocol';

/** One editable line of a key's permission map: a room pattern and the operations it grants. */
export interface PermissionRow {
  id: number;
  pattern: string;
  ops: Operation[];
}

export const SAMPLE_ROOMS = 'chat:lobby\nchat:team:42\ngame:7';

/** Bound on the preview so a pasted list cannot freeze the page. */
export const MAX_PREVIEW_ROOMS = 50;

/** Why a row cannot be saved, or null. Uses the same matcher rules as the gateway. */
export function rowProblem(row: PermissionRow, rows: readonly PermissionRow[]): string | null {
  const pattern = row.pattern.trim();
  if (pattern === '') return 'Enter a room pattern';
  if (!isValidPattern(pattern)) {
    return 'Invalid pattern: segments split on ":", "*" is a whole segment, ">" only as the last segment';
  }
  if (row.ops.length === 0) return 'Select at least one operation';
  if (rows.some((other) => other.id !== row.id && other.pattern.trim() === pattern && other.id < row.id)) {
    return 'Duplicate pattern: merge the operations into the row above';
  }
  return null;
}

export function rowsValid(rows: readonly PermissionRow[]): boolean {
  return rows.length > 0 && rows.every((row) => rowProblem(row, rows) === null);
}

/** The rows of a saved permission map (e.g. to edit an app's user permissions). */
export function fromPermissionMap(map: PermissionMap): PermissionRow[] {
  return Object.entries(map).map(([pattern, ops], i) => ({
    id: i + 1,
    pattern,
    ops: OPERATIONS.filter((op) => (ops as readonly string[]).includes(op)),
  }));
}

export function toPermissionMap(rows: readonly PermissionRow[]): PermissionMap {
  const map: Record<string, Operation[]> = {};
  for (const row of rows) {
    map[row.pattern.trim()] = OPERATIONS.filter((op) => row.ops.includes(op));
  }
  return map;
}

export function parseRooms(text: string): string[] {
  const rooms = text
    .split(/[\n,]/)
    .map((room) => room.trim())
    .filter((room) => room !== '');
  return [...new Set(rooms)].slice(0, MAX_PREVIEW_ROOMS);
}

export interface RoomPreview {
  room: string;
  /** Patterns (valid rows only) that match the room. */
  matchedBy: string[];
  /** Operations the whole map grants on the room. */
  granted: Operation[];
}

export function previewRooms(rows: readonly PermissionRow[], roomsText: string): RoomPreview[] {
  const valid = rows.filter((row) => isValidPattern(row.pattern.trim()));
  const map = toPermissionMap(valid);
  return parseRooms(roomsText).map((room) => ({
    room,
    matchedBy: valid.map((row) => row.pattern.trim()).filter((pattern) => matchesPattern(pattern, room)),
    granted: OPERATIONS.filter((op) => allows(map, room, op)),
  }));
}
