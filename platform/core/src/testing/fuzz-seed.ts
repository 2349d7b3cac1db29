import { randomInt } from 'node:crypto';

/**
 * The seed of a fuzz run: `FUZZ_SEED` when set (to replay a failure), else a fresh one. It is
 * printed before the run, and fast-check prints it again (with the path of the failing case) when a
 * property fails, so any failure can be replayed with `FUZZ_SEED=<seed> vitest run <file>`.
 */
export function fuzzSeed(suite: string): number {
  const raw = process.env.FUZZ_SEED;
  const seed = raw !== undefined && raw !== '' ? Number(raw) : randomInt(0, 2 ** 31 - 1);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got "${raw}"`);
  console.log(`${suite}: fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return seed;
}
