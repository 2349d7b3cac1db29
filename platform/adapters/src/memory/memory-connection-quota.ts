import type { ConnectionQuota } from '@relaybox/core';

/** The cluster-wide count of one process (embedded engine, tests): shared by the quotas of one `state`. */
export class MemoryConnectionQuota implements ConnectionQuota {
  /** appId → gatewayId → reservations. */
  constructor(private readonly state: Map<string, Map<string, number>> = new Map()) {}

  async reserve(appId: string, gatewayId: string, max: number): Promise<boolean> {
    const held = this.state.get(appId) ?? new Map<string, number>();
    let total = 0;
    for (const n of held.values()) total += n;
    if (total >= max) return false;
    held.set(gatewayId, (held.get(gatewayId) ?? 0) + 1);
    this.state.set(appId, held);
    return true;
  }

  async release(appId: string, gatewayId: string): Promise<void> {
    const held = this.state.get(appId);
    const n = held?.get(gatewayId) ?? 0;
    if (!held || n === 0) return;
    if (n > 1) held.set(gatewayId, n - 1);
    else held.delete(gatewayId);
    if (held.size === 0) this.state.delete(appId);
  }

  async count(appId: string): Promise<number> {
    let total = 0;
    for (const n of this.state.get(appId)?.values() ?? []) total += n;
    return total;
  }

  async releaseGateway(gatewayId: string): Promise<number> {
    let dropped = 0;
    for (const [appId, held] of this.state) {
      dropped += held.get(gatewayId) ?? 0;
      held.delete(gatewayId);
      if (held.size === 0) this.state.delete(appId);
    }
    return dropped;
  }

  async gateways(): Promise<string[]> {
    const ids = new Set<string>();
    for (const held of this.state.values()) for (const id of held.keys()) ids.add(id);
    return [...ids];
  }

  async close(): Promise<void> {}
}
