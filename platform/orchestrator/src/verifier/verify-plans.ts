import type { FaultSpec, VerifyPlan } from '@relaybox/protocol';

/** One step of a fault plan, at a fraction (0..1) of the publishing window. */
export type PlanStep =
  | { at: number; fault: FaultSpec }
  /** The verifier itself drops the network of `fraction` of its clients `times` times (no close frame). */
  | { at: number; flap: { fraction: number; times: number; everyMs: number } };

/**
 * The shipped fault plans. Each starts its faults a third of the way into the publishing window, so
 * traffic runs before, during and after; lasting faults heal themselves before publishing stops.
 */
export function planSteps(plan: VerifyPlan, durationMs: number): PlanStep[] {
  const window = Math.max(1000, Math.round(durationMs / 3));
  switch (plan) {
    case 'none':
      return [];
    case 'gateway-kill':
      return [{ at: 1 / 3, fault: { kind: 'gateway.kill', target: 'gateway-1' } }];
    case 'broker-outage':
      return [{ at: 1 / 3, fault: { kind: 'broker.stop', durationMs: Math.min(window, 5000) } }];
    case 'redis-latency':
      return [
        {
          at: 1 / 3,
          fault: {
            kind: 'link.slow',
            link: 'redis',
            latencyMs: 250,
            jitterMs: 100,
            durationMs: Math.min(window, 5000),
          },
        },
      ];
    case 'network-flap':
      return [
        { at: 1 / 3, flap: { fraction: 0.1, times: 3, everyMs: Math.max(300, Math.round(window / 3)) } },
      ];
  }
}
