import {
  budgetWindow,
  checkBudgetOptions,
  type DeliveryBudget,
  type DeliveryBudgetOptions,
} from './delivery-budget.js';

/** `DeliveryBudget` for one process (embedded engine, tests); holds one counter per active app. */
export class MemoryDeliveryBudget implements DeliveryBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly used = new Map<string, { window: number; count: number }>();

  constructor(
    options: DeliveryBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    checkBudgetOptions(options);
    this.limit = options.limit;
    this.windowMs = options.windowMs;
  }

  async take(appId: string): Promise<boolean> {
    const window = budgetWindow(this.now(), this.windowMs);
    const entry = this.used.get(appId);
    if (!entry || entry.window !== window) {
      // A new window: drop every finished counter so the map holds only current apps.
      for (const [app, e] of this.used) if (e.window !== window) this.used.delete(app);
      this.used.set(appId, { window, count: 1 });
      return true;
    }
    if (entry.count >= this.limit) return false;
    entry.count++;
    return true;
  }
}
