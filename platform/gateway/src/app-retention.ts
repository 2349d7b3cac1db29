import type { HistoryRetention } from '@relaybox/core';

/** Each app's history retention: its overrides (apps file, cloud settings) over the gateway default. */
export class AppRetention {
  private readonly cache = new Map<string, HistoryRetention>();

  constructor(
    private readonly defaults: HistoryRetention,
    private readonly overrides: ReadonlyMap<string, Partial<HistoryRetention>> | undefined,
  ) {}

  of(appId: string): HistoryRetention {
    let retention = this.cache.get(appId);
    if (!retention) {
      retention = { ...this.defaults, ...this.overrides?.get(appId) };
      this.cache.set(appId, retention);
    }
    return retention;
  }

  /** Drops the app's cached retention so its next use reads the overrides again (cloud mode). */
  forget(appId: string): void {
    this.cache.delete(appId);
  }
}
