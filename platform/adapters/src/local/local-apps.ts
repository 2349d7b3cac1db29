import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AppAuthConfig,
  type AppKey,
  type IdentityProviderConfig,
  isWebhookEventType,
  parseApiKey,
  parseAppAuthConfig,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
} from '@relaybox/core';
import { isValidPattern, OPERATIONS, type PermissionMap, validatePermissionMap } from '@relaybox/protocol';
import { readIdentityProviders } from './local-idp.js';
import { LocalKeyStore } from './local-key-store.js';
import { LocalWebhookEndpoints } from './local-webhook-endpoints.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_SECRET_LENGTH = 16;
/** What the dev key and keys without a `permissions` entry may do: everything. */
export const FULL_ACCESS: PermissionMap = Object.freeze({ '*': [...OPERATIONS] });

export class LocalAppsError extends Error {
  override readonly name = 'LocalAppsError';
}

export interface LocalAppsOptions {
  /** Path of the apps file (docs/configuration.md); optional. */
  appsFile?: string | undefined;
  /** Where a generated dev key is kept between runs. */
  dataDir: string;
  /** `RELAYBOX_DEV_API_KEY`: fixes the dev key (`<appId>.<keyId>:<secret>`). */
  devApiKey?: string | undefined;
}

export interface LocalApps {
  keys: LocalKeyStore;
  /** The `webhooks` of the apps file (none without one). */
  webhooks: LocalWebhookEndpoints;
  /** Apps that override the default history retention. */
  retention: Map<string, AppHistoryRetention>;
  /** The `identityProviders` of the apps file (docs/identity-providers.md). */
  identityProviders: IdentityProviderConfig[];
  /** The dev API key in effect (from the env, or generated on first start and kept in dataDir). */
  devApiKey: string | undefined;
  /** Apps with a user pool (the apps file's `auth`; the dev app has one with the defaults). */
  auth: Map<string, AppAuthConfig>;
}

/**
 * Builds the local KeyStore and webhook endpoints. Sources: the apps file (several apps, several keys
 * each, each key with its permission map; webhook endpoints per app) and the dev key. Without an apps file a dev app exists from the first start:
 * its key comes from `RELAYBOX_DEV_API_KEY` or is generated once and kept in `<dataDir>/dev-key`.
 */
export function loadLocalApps(options: LocalAppsOptions): LocalApps {
  const { keys, webhooks, retention, identityProviders, auth } = options.appsFile
    ? readAppsFile(options.appsFile)
    : {
        keys: [],
        webhooks: [],
        retention: new Map<string, AppHistoryRetention>(),
        identityProviders: [],
        auth: new Map<string, AppAuthConfig>(),
      };
  let devApiKey = options.devApiKey;
  if (!devApiKey && !options.appsFile) devApiKey = readOrCreateDevKey(options.dataDir);
  if (devApiKey) {
    const parsed = parseApiKey(devApiKey);
    if (
      !parsed ||
      !ID.test(parsed.appId) ||
      !ID.test(parsed.keyId) ||
      parsed.secret.length < MIN_SECRET_LENGTH
    ) {
      throw new LocalAppsError(
        `RELAYBOX_DEV_API_KEY must look like <appId>.<keyId>:<secret> with ids of A-Z a-z 0-9 _ - and a secret of at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
    const index = keys.findIndex((k) => k.appId === parsed.appId && k.keyId === parsed.keyId);
    if (index >= 0) keys.splice(index, 1);
    keys.push({ ...parsed, permissions: FULL_ACCESS });
    // The dev app (no apps file) has a user pool, so sign-in works from the first start.
    if (!options.appsFile && !auth.has(parsed.appId)) {
      auth.set(parsed.appId, parseAppAuthConfig({}, 'dev app auth', parsed.appId) as AppAuthConfig);
    }
  }
  return {
    keys: new LocalKeyStore(keys),
    webhooks: new LocalWebhookEndpoints(webhooks),
    retention,
    identityProviders,
    devApiKey,
    auth,
  };
}

function readOrCreateDevKey(dataDir: string): string {
  const file = join(dataDir, 'dev-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const key = `dev.default:${randomBytes(24).toString('base64url')}`;
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/** Parses and validates the apps file; every problem names its place in the file. */
/** Per-app history retention from the apps file (`history: { maxMessages?, maxAgeSec? }`). */
export interface AppHistoryRetention {
  maxMessages?: number;
  maxAgeMs?: number;
}

export function readAppsFile(path: string): {
  keys: AppKey[];
  webhooks: WebhookEndpoint[];
  retention: Map<string, AppHistoryRetention>;
  identityProviders: IdentityProviderConfig[];
  auth: Map<string, AppAuthConfig>;
} {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LocalAppsError(`cannot read apps file ${path}: ${(error as Error).message}`);
  }
  const apps = (raw as { apps?: unknown } | null)?.apps;
  if (!Array.isArray(apps)) throw new LocalAppsError(`${path}: expected {"apps": [...]}`);
  const out: AppKey[] = [];
  const webhooks: WebhookEndpoint[] = [];
  const seen = new Set<string>();
  const webhookIds = new Set<string>();
  const retention = new Map<string, AppHistoryRetention>();
  const identityProviders: IdentityProviderConfig[] = [];
  const idpPairs = new Set<string>();
  const auth = new Map<string, AppAuthConfig>();
  apps.forEach((app, i) => {
    const where = `${path}: apps[${i}]`;
    const appId = (app as { id?: unknown })?.id;
    if (typeof appId !== 'string' || !ID.test(appId))
      throw new LocalAppsError(`${where}.id must match ${ID}`);
    webhooks.push(...readWebhooks((app as { webhooks?: unknown }).webhooks, appId, where, webhookIds));
    const history = readRetention((app as { history?: unknown }).history, where);
    if (history) retention.set(appId, history);
    try {
      const idps = (app as { identityProviders?: unknown }).identityProviders;
      identityProviders.push(...readIdentityProviders(idps, appId, where, idpPairs));
    } catch (error) {
      throw new LocalAppsError((error as Error).message);
    }
    try {
      const pool = parseAppAuthConfig((app as { auth?: unknown }).auth, `${where}.auth`, appId);
      if (pool) auth.set(appId, pool);
    } catch (error) {
      throw new LocalAppsError((error as Error).message);
    }
    const keys = (app as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0)
      throw new LocalAppsError(`${where}.keys must be a non-empty array`);
    keys.forEach((key, j) => {
      const at = `${where}.keys[${j}]`;
      const { id, secret, permissions } = (key ?? {}) as {
        id?: unknown;
        secret?: unknown;
        permissions?: unknown;
      };
      if (typeof id !== 'string' || !ID.test(id)) throw new LocalAppsError(`${at}.id must match ${ID}`);
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
        throw new LocalAppsError(`${at}.secret must be a string of at least ${MIN_SECRET_LENGTH} characters`);
      }
      const problem = permissions === undefined ? null : validatePermissionMap(permissions);
      if (problem) throw new LocalAppsError(`${at}.permissions: ${problem}`);
      if (seen.has(`${appId}.${id}`)) throw new LocalAppsError(`${at}: duplicate key ${appId}.${id}`);
      seen.add(`${appId}.${id}`);
      out.push({
        appId,
        keyId: id,
        secret,
        permissions: (permissions as PermissionMap | undefined) ?? FULL_ACCESS,
      });
    });
  });
  return { keys: out, webhooks, retention, identityProviders, auth };
}

function readRetention(value: unknown, where: string): AppHistoryRetention | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LocalAppsError(`${where}.history must be an object {maxMessages?, maxAgeSec?}`);
  }
  const { maxMessages, maxAgeSec, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new LocalAppsError(`${where}.history: unknown field "${unknown}"`);
  const out: AppHistoryRetention = {};
  if (maxMessages !== undefined) {
    if (
      !Number.isSafeInteger(maxMessages) ||
      (maxMessages as number) < 1 ||
      (maxMessages as number) > 1_000_000
    ) {
      throw new LocalAppsError(`${where}.history.maxMessages must be an integer from 1 to 1,000,000`);
    }
    out.maxMessages = maxMessages as number;
  }
  if (maxAgeSec !== undefined) {
    if (
      !Number.isSafeInteger(maxAgeSec) ||
      (maxAgeSec as number) < 1 ||
      (maxAgeSec as number) > 31 * 86_400
    ) {
      throw new LocalAppsError(`${where}.history.maxAgeSec must be an integer from 1 to 2,678,400 (31 days)`);
    }
    out.maxAgeMs = (maxAgeSec as number) * 1000;
  }
  return out;
}

/** Validates `apps[i].webhooks` (optional): see docs/configuration.md. */
function readWebhooks(value: unknown, appId: string, where: string, seen: Set<string>): WebhookEndpoint[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new LocalAppsError(`${where}.webhooks must be an array`);
  return value.map((entry, k) => {
    const at = `${where}.webhooks[${k}]`;
    const { id, url, secret, events, rooms } = (entry ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !ID.test(id)) throw new LocalAppsError(`${at}.id must match ${ID}`);
    if (seen.has(`${appId}.${id}`))
      throw new LocalAppsError(`${at}: duplicate webhook id ${id} in app ${appId}`);
    seen.add(`${appId}.${id}`);
    const problem = urlProblem(url);
    if (problem) throw new LocalAppsError(`${at}.url ${problem}`);
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new LocalAppsError(`${at}.secret must be a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
    if (!Array.isArray(events) || events.length === 0)
      throw new LocalAppsError(`${at}.events must be a non-empty array of event types`);
    events.forEach((type, e) => {
      if (!isWebhookEventType(type)) {
        throw new LocalAppsError(
          `${at}.events[${e}]: unknown event ${JSON.stringify(type)}; expected one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        );
      }
      if (events.indexOf(type) !== e) throw new LocalAppsError(`${at}.events[${e}]: duplicate event ${type}`);
    });
    const wantsMessages = events.includes('message.published');
    if (rooms === undefined && wantsMessages) {
      throw new LocalAppsError(
        `${at}.rooms is required with message.published: list the room patterns whose messages to send`,
      );
    }
    if (rooms !== undefined && !wantsMessages) {
      throw new LocalAppsError(
        `${at}.rooms applies to message.published only: add that event or remove rooms`,
      );
    }
    if (rooms !== undefined) {
      if (!Array.isArray(rooms) || rooms.length === 0)
        throw new LocalAppsError(`${at}.rooms must be a non-empty array of room patterns`);
      rooms.forEach((pattern, r) => {
        if (typeof pattern !== 'string' || !isValidPattern(pattern))
          throw new LocalAppsError(`${at}.rooms[${r}]: invalid room pattern ${JSON.stringify(pattern)}`);
      });
    }
    return {
      appId,
      id,
      url: url as string,
      secret,
      events: events as WebhookEndpoint['events'],
      ...(rooms === undefined ? {} : { rooms: rooms as string[] }),
    };
  });
}

/** Why `url` cannot be a webhook URL, or null. Credentials are refused: URLs end up in logs. */
function urlProblem(url: unknown): string | null {
  if (typeof url !== 'string') return 'must be a string';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a valid URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'must be an http:// or https:// URL';
  if (parsed.username || parsed.password) return 'must not contain credentials (user:password@)';
  return null;
}
