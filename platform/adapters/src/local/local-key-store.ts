import type { AppKey, KeyStore } from '@relaybox/core';

/**
 * KeyStore for local development, held in memory and built from the local apps file and the dev
 * key (see `loadLocalApps`). Lookups are by (appId, keyId) only.
 */
export class LocalKeyStore implements KeyStore {
  private readonly keys = new Map<string, AppKey>();

  constructor(keys: readonly AppKey[]) {
    for (const key of keys) this.keys.set(`${key.appId}\u0000${key.keyId}`, key);
  }

  async getKey(appId: string, keyId: string): Promise<AppKey | undefined> {
    return this.keys.get(`${appId}\u0000${keyId}`);
  }

  /** Every key, for the console and `relaybox keys`. */
  list(): AppKey[] {
    return [...this.keys.values()];
  }

  async close(): Promise<void> {}
}
