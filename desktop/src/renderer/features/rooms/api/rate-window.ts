/** One reading of a room's message rate (msg/s, cluster-wide) at `ts` (epoch ms). */
export interface RateSample {
  ts: number;
  rate: number;
}

/** The chart shows the last minute. */
export const WINDOW_MS = 60_000;
/** Rooms whose rates the console remembers at most (the oldest-read is forgotten first). */
export const MAX_ROOMS = 200;

/**
 * Adds a reading to a room's samples: at most one per second (a second reading within the same
 * second replaces the first), and only the last `windowMs` kept, so a ring of at most
 * `windowMs / 1000 + 1` samples. Readings older than the newest are ignored (a late answer).
 */
export function addSample(
  samples: readonly RateSample[],
  sample: RateSample,
  windowMs = WINDOW_MS,
): RateSample[] {
  const last = samples.at(-1);
  if (last && sample.ts < last.ts) return [...samples];
  const sameSecond = last !== undefined && Math.floor(last.ts / 1000) === Math.floor(sample.ts / 1000);
  const kept = sameSecond ? samples.slice(0, -1) : samples;
  const from = sample.ts - windowMs;
  return [...kept.filter((s) => s.ts >= from), sample];
}

/** The samples of the window ending at `now`. */
export function inWindow(samples: readonly RateSample[], now: number, windowMs = WINDOW_MS): RateSample[] {
  return samples.filter((s) => s.ts >= now - windowMs && s.ts <= now);
}

/**
 * Rate readings per room, kept for the console's lifetime (not per page), so a room page opened
 * after the rooms list was watched starts with the minute already drawn. Fed by every rooms and
 * room answer (both poll once a second).
 */
export class RateHistory {
  private readonly rooms = new Map<string, RateSample[]>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly maxRooms = MAX_ROOMS) {}

  record(appId: string, room: string, rate: number, ts: number): void {
    const key = `${appId}\n${room}`;
    const samples = addSample(this.rooms.get(key) ?? [], { ts, rate });
    // Re-inserted last: the map's order is the order of last reading.
    this.rooms.delete(key);
    this.rooms.set(key, samples);
    while (this.rooms.size > this.maxRooms) {
      const oldest = this.rooms.keys().next().value as string;
      this.rooms.delete(oldest);
    }
    for (const listener of this.listeners) listener();
  }

  samples(appId: string, room: string): readonly RateSample[] {
    return this.rooms.get(`${appId}\n${room}`) ?? EMPTY;
  }

  get size(): number {
    return this.rooms.size;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const EMPTY: readonly RateSample[] = [];

export const rateHistory = new RateHistory();
