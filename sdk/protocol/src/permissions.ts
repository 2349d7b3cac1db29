/**
 * Room-pattern permissions (DESIGN.md §3). Patterns split on `:`; `*` matches exactly one
 * segment, a trailing `>` matches one or more segments, and `*` alone matches every room.
 * A pattern with any other use of `*` or `>` (e.g. `a*`, `>:a`) is invalid and matches nothing.
 */
export const OPERATIONS = ['subscribe', 'publish', 'presence', 'history', 'metrics'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Room pattern → operations granted on rooms that match it. */
export type PermissionMap = Readonly<Record<string, readonly Operation[]>>;

export function isOperation(value: unknown): value is Operation {
  return typeof value === 'string' && (OPERATIONS as readonly string[]).includes(value);
}

export function isValidPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  const segments = pattern.split(':');
  return segments.every((segment, i) => {
    if (segment === '') return false;
    if (segment === '>') return i === segments.length - 1;
    if (segment === '*') return true;
    return !segment.includes('*') && !segment.includes('>');
  });
}

export function matchesPattern(pattern: string, room: string): boolean {
  if (pattern === '*') return true;
  if (!isValidPattern(pattern)) return false;
  const p = pattern.split(':');
  const r = room.split(':');
  for (let i = 0; i < p.length; i++) {
    const segment = p[i];
    if (segment === '>') return r.length > i;
    if (i >= r.length) return false;
    if (segment !== '*' && segment !== r[i]) return false;
  }
  return p.length === r.length;
}

export function allows(map: PermissionMap, room: string, op: Operation): boolean {
  for (const pattern in map) {
    if (map[pattern]?.includes(op) && matchesPattern(pattern, room)) return true;
  }
  return false;
}

/** True when the map grants at least one operation on the room. */
export function allowsAny(map: PermissionMap, room: string): boolean {
  return OPERATIONS.some((op) => allows(map, room, op));
}

/** Returns a description of the first problem, or null when the map is well formed. */
export function validatePermissionMap(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'permissions must be an object mapping room patterns to operation lists';
  }
  for (const [pattern, ops] of Object.entries(value)) {
    if (!isValidPattern(pattern)) return `invalid room pattern "${pattern}"`;
    if (!Array.isArray(ops)) return `permissions["${pattern}"] must be an array`;
    const bad = ops.find((op) => !isOperation(op));
    if (bad !== undefined) return `unknown operation ${JSON.stringify(bad)} for "${pattern}"`;
  }
  return null;
}

/**
 * Effective permissions of a connection: a room operation is allowed only when every layer
 * (the key's map, then the token's map) allows it. A token can narrow its key, never widen it.
 */
export class Grants {
  private readonly layers: readonly PermissionMap[];

  constructor(...layers: PermissionMap[]) {
    this.layers = layers;
  }

  can(room: string, op: Operation): boolean {
    return this.layers.every((map) => allows(map, room, op));
  }

  canAny(room: string): boolean {
    return OPERATIONS.some((op) => this.can(room, op));
  }

  /** The maps, outermost first (for the permission explainer). */
  get maps(): readonly PermissionMap[] {
    return this.layers;
  }
}
