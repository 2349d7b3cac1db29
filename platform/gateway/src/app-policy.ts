import type { Limits } from '@relaybox/protocol';

/**
 * What a cloud-mode gateway applies of an app's control-plane settings: the limits that override
 * the gateway defaults for that app's connections, and the browser origins it accepts.
 */
export interface AppPolicy {
  /** The gateway limits with this app's overrides applied (a full set, used as the session limits). */
  limits: Readonly<Limits>;
  /**
   * Origins allowed to open a WebSocket (`*`, `https://host[:port]`, `https://*.domain[:port]`);
   * undefined: every origin. An empty array (every entry was unusable) refuses every browser origin.
   */
  allowedOrigins: readonly string[] | undefined;
}

export type PolicyWarn = (message: string, fields: Record<string, unknown>) => void;

/** The control plane's bounds of each limit (dashboard/api app-settings.ts); values outside are clamped. */
export const APP_LIMIT_BOUNDS = {
  maxConnections: [1, 1_000_000],
  publishRatePerSec: [1, 10_000],
  maxRoomsPerConnection: [1, 10_000],
} as const;

type AppLimitName = keyof typeof APP_LIMIT_BOUNDS;

/** The same shape the control plane validates: `*` or `http(s)://[*.]host[:port]`, no path. */
const ORIGIN_PATTERN = /^(\*|https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?)$/;

/**
 * Parses an app's `settings` from the control plane over the gateway `defaults`. Nothing here is
 * fatal: a missing limit keeps the default, a non-integer one is ignored and an out-of-range one
 * clamped (both with a warning); unusable origins are dropped with a warning.
 */
export function appPolicyFrom(settings: unknown, defaults: Readonly<Limits>, warn: PolicyWarn): AppPolicy {
  const s = (typeof settings === 'object' && settings !== null ? settings : {}) as Record<string, unknown>;
  const raw = (typeof s.limits === 'object' && s.limits !== null ? s.limits : {}) as Record<string, unknown>;
  const limits: Limits = { ...defaults };
  const maxConnections = boundedLimit(raw, 'maxConnections', warn);
  if (maxConnections !== undefined) limits.maxConnectionsPerApp = maxConnections;
  const rooms = boundedLimit(raw, 'maxRoomsPerConnection', warn);
  if (rooms !== undefined) limits.maxRoomsPerConnection = rooms;
  const rate = boundedLimit(raw, 'publishRatePerSec', warn);
  if (rate !== undefined) {
    limits.publishRatePerSecond = rate;
    // The burst keeps the gateway's burst-to-rate ratio (100/50 by default), and is at least 1.
    const ratio = defaults.publishBurst / Math.max(1, defaults.publishRatePerSecond);
    limits.publishBurst = Math.max(1, Math.round(rate * ratio));
  }
  return Object.freeze({
    limits: Object.freeze(limits),
    allowedOrigins: originsFrom(s.allowedOrigins, warn),
  });
}

function boundedLimit(
  raw: Record<string, unknown>,
  name: AppLimitName,
  warn: PolicyWarn,
): number | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    warn('ignored an app limit that is not an integer', { limit: name, value: String(value) });
    return undefined;
  }
  const [min, max] = APP_LIMIT_BOUNDS[name];
  if (value >= min && value <= max) return value;
  const clamped = Math.min(max, Math.max(min, value));
  warn('clamped an app limit outside its bounds', { limit: name, value, clamped });
  return clamped;
}

function originsFrom(value: unknown, warn: PolicyWarn): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    warn('ignored allowedOrigins that is not a list', { value: String(value) });
    return undefined;
  }
  if (value.length === 0) return undefined;
  const origins: string[] = [];
  for (const entry of value) {
    if (typeof entry === 'string' && ORIGIN_PATTERN.test(entry)) origins.push(entry.toLowerCase());
    else warn('ignored an allowed origin the gateway cannot match', { origin: String(entry) });
  }
  // Fail closed: a non-empty list whose entries are all unusable still restricts.
  return Object.freeze(origins);
}

/**
 * True when a browser `Origin` header value may connect: always when there is no restriction;
 * else it must equal an entry (scheme, host and port; case-insensitive), match `*`, or match
 * `scheme://*.domain[:port]` with at least one more label in front of `domain`.
 */
export function originAllowed(origin: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  const candidate = origin.toLowerCase();
  for (const pattern of allowed) {
    if (pattern === '*' || pattern === candidate) return true;
    const star = pattern.indexOf('://*.');
    if (star < 0) continue;
    const scheme = pattern.slice(0, star + 3);
    const suffix = pattern.slice(star + 4); // ".domain[:port]"
    if (!candidate.startsWith(scheme) || !candidate.endsWith(suffix)) continue;
    const label = candidate.slice(scheme.length, candidate.length - suffix.length);
    if (/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(label)) return true;
  }
  return false;
}
