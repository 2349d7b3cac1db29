import type { AppKey, KeyStore } from '@relaybox/core';
import { validatePermissionMap } from '@relaybox/protocol';
import {
  type CloudLog,
  ControlPlaneClient,
  type ControlPlaneOptions,
  ControlPlaneUnavailableError,
  SILENT_LOG,
} from './control-plane-client.js';
import {
  type KeyEvent,
  KeyEventStream,
  type KeyEventStreamOptions,
  type WebhookRequeueEvent,
} from './key-event-stream.js';
import { TtlLruCache } from './ttl-lru-cache.js';

export interface CloudKeyStoreOptions extends ControlPlaneOptions {
  /** How long a found key is trusted while the event stream is up. Default 5 min. */
  positiveTtlMs?: number;
  /** How long a found key is trusted while the event stream is down. Default 3 s. */
  degradedTtlMs?: number;
  /** How long "no such key" is remembered. Default 5 s. */
  negativeTtlMs?: number;
  /** Bound of the cache (found and not-found entries together), LRU evicted. Default 10 000. */
  maxEntries?: number;
  stream?: KeyEventStreamOptions;
  log?: CloudLog;
  now?: () => number;
}

/** A key (or a key of an app) that must no longer be trusted; `keyId` undefined = the whole app. */
export interface KeyInvalidation {
  appId: string;
  keyId?: string;
}

interface Cached {
  key: AppKey | undefined;
  fetchedAt: number;
}

const MAX_ID_LENGTH = 200;
const KEY_PATH = '/internal/v1/keys';

/**
 * KeyStore of cloud mode: resolves keys from the control plane's internal API and caches them.
 *
 * Guarantees: looked up by the pair (appId, keyId) only. Revocation is pushed over one event stream
 * per gateway and lands as soon as the event arrives (typically < 1 s); while the stream is down a
 * found key is trusted for at most `degradedTtlMs` (3 s), so a revocation is never later than that.
 * Concurrent lookups of one key share one request. The control plane being unreachable is an error
 * (`ControlPlaneUnavailableError`, which the gateway answers as a retryable `store_unavailable`),
 * never "no such key".
 */
export class CloudKeyStore implements KeyStore {
  private readonly client: ControlPlaneClient;
  private readonly cache: TtlLruCache<Cached>;
  private readonly inflight = new Map<string, Promise<AppKey | undefined>>();
  private readonly stream: KeyEventStream;
  private readonly listeners = new Set<(invalidation: KeyInvalidation) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly appUpdatedListeners = new Set<(appId: string) => void>();
  private readonly userRevokedListeners = new Set<(revoked: { appId: string; userId: string }) => void>();
  private readonly requeueListeners = new Set<(requeue: WebhookRequeueEvent) => void>();
  private readonly now: () => number;
  private readonly log: CloudLog;
  /** Bumped by every invalidation: a lookup that started before one does not fill the cache. */
  private epoch = 0;

  constructor(private readonly options: CloudKeyStoreOptions) {
    this.client = new ControlPlaneClient(options);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? SILENT_LOG;
    this.cache = new TtlLruCache(options.maxEntries ?? 10_000, this.now);
    this.stream = new KeyEventStream(
      this.client,
      (event) => this.apply(event),
      () => this.log.warn('control plane key events down; trusting cached keys for a few seconds only'),
      { log: this.log, ...options.stream },
    );
  }

  /** Opens the event stream. Lookups work before it is up (with the short, degraded TTL). */
  start(): this {
    this.stream.start();
    return this;
  }

  /** True while the revocation stream is connected. */
  get streaming(): boolean {
    return this.stream.connected;
  }

  /** Number of cached entries (found and not found). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** Called for every pushed revocation, so open connections of that key can be closed. */
  onInvalidate(listener: (invalidation: KeyInvalidation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Called on every `ready` of the event stream (first connect and every reconnect), after the cache
   * was flushed: events may have been missed, so what was authenticated before should be checked again.
   */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /**
   * Called for every pushed `app-updated` (the app's settings or webhook endpoints changed), so the
   * app's cached config can be dropped. Keys are unaffected; nothing is called on `ready`: use
   * `onResync` to flush whatever may have been missed.
   */
  onAppUpdated(listener: (appId: string) => void): () => void {
    this.appUpdatedListeners.add(listener);
    return () => this.appUpdatedListeners.delete(listener);
  }

  /**
   * Called for every pushed `user-revoked`: the sessions of an app's end user were revoked (or the
   * user disabled) in the dashboard, so its open connections must close. Keys are unaffected.
   */
  onUserRevoked(listener: (revoked: { appId: string; userId: string }) => void): () => void {
    this.userRevokedListeners.add(listener);
    return () => this.userRevokedListeners.delete(listener);
  }

  /**
   * Called for every pushed `webhook-requeue`: the dashboard asks the app's gateways to queue a dead
   * letter again (only the one that takes it off the shared list does). Keys are unaffected.
   */
  onWebhookRequeue(listener: (requeue: WebhookRequeueEvent) => void): () => void {
    this.requeueListeners.add(listener);
    return () => this.requeueListeners.delete(listener);
  }

  async getKey(appId: string, keyId: string): Promise<AppKey | undefined> {
    if (!validId(appId) || !validId(keyId)) return undefined;
    const id = cacheId(appId, keyId);
    const cached = this.cache.get(id);
    if (cached && this.fresh(cached.value)) return cached.value.key;
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.fetchKey(appId, keyId).finally(() => {
        if (this.inflight.get(id) === pending) this.inflight.delete(id);
      });
      this.inflight.set(id, pending);
    }
    return pending;
  }

  async close(): Promise<void> {
    await this.stream.stop();
    this.cache.clear();
  }

  private fresh(entry: Cached): boolean {
    if (!entry.key || this.stream.connected) return true;
    return this.now() - entry.fetchedAt < (this.options.degradedTtlMs ?? 3000);
  }

  private async fetchKey(appId: string, keyId: string): Promise<AppKey | undefined> {
    const epoch = this.epoch;
    const fetchedAt = this.now();
    const path = `${KEY_PATH}/${encodeURIComponent(appId)}/${encodeURIComponent(keyId)}`;
    const body = await this.client.getJson(path);
    const key = body === undefined ? undefined : toAppKey(body, appId, keyId);
    if (epoch === this.epoch) {
      const ttl = key
        ? this.stream.connected
          ? (this.options.positiveTtlMs ?? 300_000)
          : (this.options.degradedTtlMs ?? 3000)
        : (this.options.negativeTtlMs ?? 5000);
      this.cache.set(cacheId(appId, keyId), { key, fetchedAt }, ttl);
    }
    return key;
  }

  private apply(event: KeyEvent): void {
    if (event.type === 'app-updated') {
      this.notify(this.appUpdatedListeners, event.appId);
      return;
    }
    if (event.type === 'user-revoked') {
      this.notify(this.userRevokedListeners, { appId: event.appId, userId: event.userId });
      return;
    }
    if (event.type === 'webhook-requeue') {
      this.notify(this.requeueListeners, event);
      return;
    }
    this.epoch++;
    if (event.type === 'ready') {
      // Events may have been missed while disconnected: trust nothing fetched before.
      this.cache.clear();
      this.inflight.clear();
      this.notify(this.resyncListeners, undefined);
      return;
    }
    const prefix = `${event.appId}\u0000`;
    const matches = (id: string) =>
      event.type === 'revoke' ? id === cacheId(event.appId, event.keyId) : id.startsWith(prefix);
    this.cache.deleteWhere(matches);
    for (const id of [...this.inflight.keys()]) if (matches(id)) this.inflight.delete(id);
    const invalidation: KeyInvalidation =
      event.type === 'revoke' ? { appId: event.appId, keyId: event.keyId } : { appId: event.appId };
    this.notify(this.listeners, invalidation);
  }

  private notify<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.log.warn('key event listener failed', { error: String(error) });
      }
    }
  }
}

const cacheId = (appId: string, keyId: string) => `${appId}\u0000${keyId}`;
const validId = (id: string) => id.length > 0 && id.length <= MAX_ID_LENGTH && !id.includes('\u0000');

/** The control plane's answer, checked: a malformed one is an outage, not a key. */
function toAppKey(body: unknown, appId: string, keyId: string): AppKey {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (b.appId !== appId || b.keyId !== keyId || typeof b.secret !== 'string' || b.secret === '') {
    throw new ControlPlaneUnavailableError('control plane answered a key lookup with a malformed key');
  }
  const problem = validatePermissionMap(b.permissions);
  if (problem) throw new ControlPlaneUnavailableError(`control plane key permissions: ${problem}`);
  return Object.freeze({
    appId,
    keyId,
    secret: b.secret,
    permissions: b.permissions as AppKey['permissions'],
  });
}
