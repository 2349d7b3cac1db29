import {
  type AppAuthConfig,
  isWebhookEventType,
  parseAppAuthConfig,
  type WebhookEndpoint,
  type WebhookEndpointResolver,
} from '@relaybox/core';
import {
  type CloudLog,
  ControlPlaneClient,
  type ControlPlaneOptions,
  ControlPlaneUnavailableError,
  SILENT_LOG,
} from './control-plane-client.js';
import { TtlLruCache } from './ttl-lru-cache.js';

/** What a cloud-mode gateway uses of an app's settings in the control plane. */
export interface CloudApp {
  appId: string;
  /** Webhook endpoints in the platform's shape (frozen). */
  webhooks: readonly WebhookEndpoint[];
  /** History retention overrides from the app's settings (absent: the gateway default). */
  retention: Readonly<{ maxMessages?: number; maxAgeMs?: number }>;
  /** The app's `settings` as the control plane sent them (limits, allowedOrigins), checked by the gateway. */
  settings: unknown;
  /** The app's user pool (docs/auth.md), or undefined: none, or one the gateway cannot use (warned). */
  auth: Readonly<AppAuthConfig> | undefined;
}

export interface CloudAppConfigOptions extends ControlPlaneOptions {
  /** How long an app's config is used before it is fetched again. Default 30 s. */
  ttlMs?: number;
  /** Bound of the cache (apps found and not found), LRU evicted. Default 10 000. */
  maxEntries?: number;
  log?: CloudLog;
  /** Called with every app config fetched (first time and every refresh after the TTL). */
  onLoaded?: (app: CloudApp) => void;
}

/**
 * Per-app configuration from the control plane (`GET /internal/v1/apps/:appId/config`), cached per
 * app for `ttlMs`, concurrent fetches of one app shared. Changes are pushed on the key event stream:
 * the gateway calls `invalidate` on `app-updated` (settings or webhook endpoints changed) and on
 * `app-deleted`, so the next use fetches the app again; without the stream (or a caller that does
 * not subscribe, e.g. the webhook worker) an edit is used within `ttlMs`.
 *
 * As a WebhookEndpointResolver it answers by appId (or appId + endpoint id) only: the control plane
 * returns one app's endpoints, so an endpoint of another app is never found.
 */
export class CloudAppConfig implements WebhookEndpointResolver {
  private readonly client: ControlPlaneClient;
  private readonly cache: TtlLruCache<CloudApp | undefined>;
  private readonly inflight = new Map<string, Promise<CloudApp | undefined>>();
  private epoch = 0;

  constructor(private readonly options: CloudAppConfigOptions) {
    this.client = new ControlPlaneClient(options);
    this.cache = new TtlLruCache(options.maxEntries ?? 10_000);
  }

  /** Always true: any app of the control plane may have endpoints, so webhooks are always on. */
  hasAny(): boolean {
    return true;
  }

  async endpointsFor(appId: string): Promise<readonly WebhookEndpoint[]> {
    return (await this.app(appId))?.webhooks ?? [];
  }

  async get(appId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    return (await this.app(appId))?.webhooks.find((endpoint) => endpoint.id === endpointId);
  }

  /** The app's config, or undefined when the control plane does not know the app. */
  app(appId: string): Promise<CloudApp | undefined> {
    const cached = this.cache.get(appId);
    if (cached) return Promise.resolve(cached.value);
    let pending = this.inflight.get(appId);
    if (!pending) {
      pending = this.fetchApp(appId).finally(() => {
        if (this.inflight.get(appId) === pending) this.inflight.delete(appId);
      });
      this.inflight.set(appId, pending);
    }
    return pending;
  }

  /** Forgets an app (deleted, or its settings changed). */
  invalidate(appId: string): void {
    this.epoch++;
    this.cache.delete(appId);
    this.inflight.delete(appId);
  }

  /** Forgets every app (the event stream reconnected: `app-updated` events may have been missed). */
  invalidateAll(): void {
    this.epoch++;
    this.cache.clear();
    this.inflight.clear();
  }

  private async fetchApp(appId: string): Promise<CloudApp | undefined> {
    const epoch = this.epoch;
    const body = await this.client.getJson(`/internal/v1/apps/${encodeURIComponent(appId)}/config`);
    const app = body === undefined ? undefined : toCloudApp(body, appId, this.options.log ?? SILENT_LOG);
    if (epoch === this.epoch) this.cache.set(appId, app, this.options.ttlMs ?? 30_000);
    if (app) this.options.onLoaded?.(app);
    return app;
  }
}

interface RawWebhook {
  id?: unknown;
  url?: unknown;
  events?: unknown;
  secret?: unknown;
}

/** Checks the answer; endpoints the platform cannot use are skipped with a warning, not fatal. */
function toCloudApp(body: unknown, appId: string, log: CloudLog): CloudApp {
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    appId?: unknown;
    webhooks?: unknown;
    settings?: unknown;
    auth?: unknown;
  };
  if (b.appId !== appId || !Array.isArray(b.webhooks)) {
    throw new ControlPlaneUnavailableError(
      'control plane answered an app config lookup with a malformed body',
    );
  }
  const webhooks: WebhookEndpoint[] = [];
  for (const raw of b.webhooks as RawWebhook[]) {
    const endpoint = toEndpoint(raw, appId);
    if (endpoint) webhooks.push(endpoint);
    else log.warn('skipped a webhook endpoint the gateway cannot use', { appId, id: String(raw?.id) });
  }
  return Object.freeze({
    appId,
    webhooks: Object.freeze(webhooks),
    retention: toRetention(b.settings),
    settings: b.settings,
    auth: toAuth(b.auth, appId, log),
  });
}

/** The control plane sends the apps file's `auth` shape, or null; it is checked like an apps file. */
function toAuth(raw: unknown, appId: string, log: CloudLog): CloudApp['auth'] {
  if (raw === null || raw === undefined) return undefined;
  try {
    const config = parseAppAuthConfig(raw, 'auth', appId);
    return config ? Object.freeze(config) : undefined;
  } catch (error) {
    log.warn('the app has a user pool the gateway cannot use: auth off for it', {
      appId,
      reason: (error as Error).message,
    });
    return undefined;
  }
}

/** `historyMaxMessages` / `historyMaxAgeSec`; the history store needs at least 1 of each. */
function toRetention(settings: unknown): CloudApp['retention'] {
  const s = (typeof settings === 'object' && settings !== null ? settings : {}) as Record<string, unknown>;
  const retention: { maxMessages?: number; maxAgeMs?: number } = {};
  if (Number.isInteger(s.historyMaxMessages))
    retention.maxMessages = Math.max(1, s.historyMaxMessages as number);
  if (Number.isInteger(s.historyMaxAgeSec))
    retention.maxAgeMs = Math.max(1, s.historyMaxAgeSec as number) * 1000;
  return Object.freeze(retention);
}

function toEndpoint(raw: RawWebhook, appId: string): WebhookEndpoint | undefined {
  const { id, url, events, secret } = raw ?? {};
  if (typeof id !== 'string' || typeof url !== 'string' || !/^https?:\/\//.test(url)) return undefined;
  if (typeof secret !== 'string' || secret.length < 16) return undefined;
  if (!Array.isArray(events) || events.length === 0 || !events.every(isWebhookEventType)) return undefined;
  // The control plane has no per-room selection: an endpoint that asks for messages gets every room's.
  const rooms = events.includes('message.published') ? Object.freeze(['*']) : undefined;
  return Object.freeze({ appId, id, url, secret, events: Object.freeze([...events]), rooms });
}
