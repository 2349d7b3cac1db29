import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { UserStore } from './user-store.js';

export interface SessionPurgeOptions {
  /** Between the end of one run and the start of the next, ms. Default 10 min; 1 s to 1 day. */
  intervalMs?: number;
  /** Sessions a batch deletes at most (one store call). Default 500; 1 to 10,000. */
  batchSize?: number;
  /** Batches a run does at most, so one run's work is bounded. Default 20; 1 to 1,000. */
  maxBatches?: number;
  /** Called with a failed run's error (the next run happens anyway). */
  onError?: (error: unknown) => void;
  clock?: () => number;
}

const BOUNDS = {
  intervalMs: [1000, 86_400_000, 600_000],
  batchSize: [1, 10_000, 500],
  maxBatches: [1, 1000, 20],
} as const;

/** A running purge: `runOnce` purges now (what a timer run does); `stop` ends the timer and waits for a run. */
export interface SessionPurge {
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Deletes sessions whose storage ended (`purgeExpiredSessions`) every `intervalMs`, in batches of
 * `batchSize`, at most `maxBatches` a run: a run stops at the first batch that was not full. The
 * timer never keeps the process alive; runs never overlap.
 */
export function startSessionPurge(
  store: Pick<UserStore, 'purgeExpiredSessions'>,
  options: SessionPurgeOptions = {},
): SessionPurge {
  const intervalMs = bounded('intervalMs', options.intervalMs);
  const batchSize = bounded('batchSize', options.batchSize);
  const maxBatches = bounded('maxBatches', options.maxBatches);
  const clock = options.clock ?? Date.now;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const run = async (): Promise<number> => {
    let purged = 0;
    for (let batch = 0; batch < maxBatches; batch++) {
      const n = await store.purgeExpiredSessions(clock(), batchSize);
      purged += n;
      if (n < batchSize) break;
    }
    return purged;
  };
  const runOnce = (): Promise<number> => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => options.onError?.(error))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

function bounded(name: keyof typeof BOUNDS, value: number | undefined): number {
  const [min, max, fallback] = BOUNDS[name];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `session purge: ${name} must be an integer ${min}-${max}`,
    );
  return value;
}
