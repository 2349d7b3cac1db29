import type { TraceContext } from './trace-context.js';

/**
 * The head-sampling decision of a new root or child span, from `OTEL_TRACES_SAMPLER` /
 * `OTEL_TRACES_SAMPLER_ARG` (the OpenTelemetry SDK environment variables):
 * - `always_on`, `always_off`: every trace, or none;
 * - `traceidratio` (arg: ratio 0..1): a trace id is kept when its lower 56 bits, as a fraction of
 *   2^56, are below the ratio, so every process keeps or drops the same traces;
 * - `parentbased_*` (default `parentbased_always_on`): a span with a parent follows the parent's
 *   `sampled` flag, a root span uses the named sampler.
 */
export interface Sampler {
  readonly name: SamplerName;
  /** The ratio of `traceidratio` samplers (1 for always_on, 0 for always_off). */
  readonly ratio: number;
  /** Whether the span of `traceId` (with `parent`, when it continues one) is recorded. */
  sample(traceId: string, parent: TraceContext | undefined): boolean;
}

export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

const RATIO_BITS = 2 ** 56;

/** `ratio` is used by the `traceidratio` samplers only (0..1). */
export function createSampler(name: SamplerName, ratio = 1): Sampler {
  const root = rootDecision(name, ratio);
  const parentBased = name.startsWith('parentbased_');
  const effectiveRatio = name.endsWith('always_on') ? 1 : name.endsWith('always_off') ? 0 : ratio;
  return Object.freeze({
    name,
    ratio: effectiveRatio,
    sample: (traceId: string, parent: TraceContext | undefined) =>
      parentBased && parent !== undefined ? parent.sampled : root(traceId),
  });
}

/** The default: every new trace, and whatever the caller decided for its own. */
export const PARENT_BASED_ALWAYS_ON: Sampler = createSampler('parentbased_always_on');

function rootDecision(name: SamplerName, ratio: number): (traceId: string) => boolean {
  if (name.endsWith('always_on')) return () => true;
  if (name.endsWith('always_off')) return () => false;
  if (ratio >= 1) return () => true;
  if (ratio <= 0) return () => false;
  const bound = Math.floor(ratio * RATIO_BITS);
  // The last 14 hex digits of the trace id: 56 bits, exact in a double.
  return (traceId) => Number.parseInt(traceId.slice(-14), 16) < bound;
}
