/** Per-app settings (history retention, limits, allowed origins) with their bounds. */
export interface AppSettings {
  historyMaxMessages: number;
  historyMaxAgeSec: number;
  allowedOrigins: string[];
  limits: { maxConnections: number; publishRatePerSec: number; maxRoomsPerConnection: number };
}

export const DEFAULT_APP_SETTINGS: AppSettings = {
  historyMaxMessages: 100,
  historyMaxAgeSec: 86_400,
  allowedOrigins: [],
  limits: { maxConnections: 1000, publishRatePerSec: 50, maxRoomsPerConnection: 100 },
};

/** `*`, or an origin `http(s)://host[:port]` where host may start with `*.` (no path). */
const ORIGIN_PATTERN = '^(\\*|https?://(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?)$';

const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxConnections: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    publishRatePerSec: { type: 'integer', minimum: 1, maximum: 10_000 },
    maxRoomsPerConnection: { type: 'integer', minimum: 1, maximum: 10_000 },
  },
} as const;

/** JSON schema of a settings patch: every field optional, `limits` merged field by field. */
export const settingsPatchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    historyMaxMessages: { type: 'integer', minimum: 0, maximum: 10_000 },
    historyMaxAgeSec: { type: 'integer', minimum: 0, maximum: 30 * 86_400 },
    allowedOrigins: {
      type: 'array',
      maxItems: 50,
      uniqueItems: true,
      items: { type: 'string', maxLength: 253, pattern: ORIGIN_PATTERN },
    },
    limits: limitsSchema,
  },
} as const;

export type AppSettingsPatch = Partial<Omit<AppSettings, 'limits'>> & {
  limits?: Partial<AppSettings['limits']>;
};

export function mergeSettings(current: AppSettings, patch: AppSettingsPatch | undefined): AppSettings {
  if (!patch) return current;
  return {
    historyMaxMessages: patch.historyMaxMessages ?? current.historyMaxMessages,
    historyMaxAgeSec: patch.historyMaxAgeSec ?? current.historyMaxAgeSec,
    allowedOrigins: patch.allowedOrigins ?? current.allowedOrigins,
    limits: { ...current.limits, ...patch.limits },
  };
}

/** Settings as stored, filled with defaults for fields added after the row was written. */
export function readSettings(stored: unknown): AppSettings {
  const s = (typeof stored === 'string' ? JSON.parse(stored) : stored) as AppSettingsPatch | null;
  return mergeSettings(DEFAULT_APP_SETTINGS, s ?? undefined);
}
