import { describe, expect, it } from 'vitest';
import { createSampler } from './sampler.js';
import { childContext } from './trace-context.js';

const sampledParent = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), sampled: true };
const unsampledParent = { ...sampledParent, sampled: false };

describe('samplers', () => {
  it('always_on and always_off ignore the parent; parent-based ones follow it', () => {
    const id = childContext(undefined).traceId;
    expect(createSampler('always_on').sample(id, unsampledParent)).toBe(true);
    expect(createSampler('always_off').sample(id, sampledParent)).toBe(false);
    expect(createSampler('parentbased_always_off').sample(id, sampledParent)).toBe(true);
    expect(createSampler('parentbased_always_on').sample(id, unsampledParent)).toBe(false);
    expect(createSampler('parentbased_always_off').sample(id, undefined)).toBe(false);
    expect(createSampler('parentbased_always_on').sample(id, undefined)).toBe(true);
  });

  it('traceidratio keeps about the ratio of new traces, the same ones in every process', () => {
    const ids = Array.from({ length: 20_000 }, () => childContext(undefined).traceId);
    const tenth = createSampler('traceidratio', 0.1);
    const kept = ids.filter((id) => tenth.sample(id, undefined));
    expect(kept.length).toBeGreaterThan(1600);
    expect(kept.length).toBeLessThan(2400);
    // Deterministic by trace id: another process with the same setting keeps exactly the same traces.
    expect(ids.filter((id) => createSampler('traceidratio', 0.1).sample(id, undefined))).toEqual(kept);
    // A larger ratio keeps a superset.
    const half = createSampler('traceidratio', 0.5);
    expect(kept.every((id) => half.sample(id, undefined))).toBe(true);
    expect(ids.every((id) => createSampler('traceidratio', 1).sample(id, undefined))).toBe(true);
    expect(ids.some((id) => createSampler('traceidratio', 0).sample(id, undefined))).toBe(false);
    expect(createSampler('parentbased_traceidratio', 0).sample(ids[0]!, sampledParent)).toBe(true);
  });
});
