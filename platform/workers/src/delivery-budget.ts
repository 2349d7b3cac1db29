/** Default deliveries (tries) one app may make per window, across every endpoint and worker. */
export const DEFAULT_APP_DELIVERY_BUDGET = 6000;
/** Default budget window. */
export const DEFAULT_DELIVERY_BUDGET_WINDOW_MS = 60_000;

export interface DeliveryBudgetOptions {
  /** Tries allowed per app per window (≥ 1). */
  limit: number;
  /** Window length in ms (fixed windows, aligned on the epoch). */
  windowMs: number;
}

/**
 * A per-app budget of webhook delivery tries: bounds how many POSTs one app's events can cause per
 * window, whatever its endpoints and retries (amplification guard).
 *
 * Guarantees: per app and fixed window, at most `limit` calls of `take` return `true`; apps never
 * share a budget; a new window starts with the full budget. The Redis implementation shares the
 * count between every worker of a cluster; the memory one counts for its process.
 */
export interface DeliveryBudget {
  readonly limit: number;
  readonly windowMs: number;
  /** Takes one try from the app's current window; false when that window's budget is spent. */
  take(appId: string): Promise<boolean>;
}

/** The index of the fixed window `now` falls in. */
export const budgetWindow = (now: number, windowMs: number) => Math.floor(now / windowMs);

export function checkBudgetOptions(options: DeliveryBudgetOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 1)
    throw new RangeError('limit must be an integer ≥ 1');
  if (!Number.isInteger(options.windowMs) || options.windowMs < 1) {
    throw new RangeError('windowMs must be an integer ≥ 1');
  }
}
