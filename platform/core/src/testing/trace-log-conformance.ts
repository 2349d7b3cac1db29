import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TraceEvent, TraceLog } from '../trace-log.js';
import { expectStoreUnavailable } from './expect-store-unavailable.js';
import { waitFor } from './wait-for.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface TraceLogConformanceContext {
  /** A new log (another gateway) sharing events with every log of this context, keeping `capacity`. */
  createLog(capacity: number): TraceLog;
  dispose(): Promise<void>;
}

export type TraceLogConformanceFactory = () =>
  | TraceLogConformanceContext
  | Promise<TraceLogConformanceContext>;

const TEST_TIMEOUT_MS = 30_000;

let counter = 0;
const event = (fields: Partial<TraceEvent> = {}): TraceEvent => ({
  id: `ev-${++counter}`,
  ts: 1_700_000_000_000 + counter,
  gateway: 'gw-1',
  type: 'message.received',
  appId: 'app-1',
  room: 'chat',
  ...fields,
});

/** Runs the `TraceLog` port's guarantees (platform/core/src/trace-log.ts) against one implementation. */
export function describeTraceLogConformance(name: string, factory: TraceLogConformanceFactory): void {
  describe(`TraceLog conformance: ${name}`, () => {
    let ctx: TraceLogConformanceContext;
    let logs: TraceLog[];
    const created = (capacity = 10_000) => {
      const log = ctx.createLog(capacity);
      logs.push(log);
      return log;
    };

    beforeEach(async () => {
      ctx = await factory();
      logs = [];
    });
    afterEach(async () => {
      await Promise.allSettled(logs.map((l) => l.close()));
      await ctx.dispose();
    });

    it('returns appended events of every log oldest first, filtered, the newest `limit` ones', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const a = created();
      const b = created();
      const first = [event({ messageId: 'm1' }), event({ messageId: 'm2', room: 'other' })];
      await a.append(first);
      const second = [
        event({ messageId: 'm1', gateway: 'gw-2', type: 'message.consumed', detail: { n: 1 } }),
      ];
      await b.append(second);
      expect(await a.query({})).toEqual([...first, ...second]);
      expect(await b.query({ messageId: 'm1' })).toEqual([first[0], second[0]]);
      expect(await a.query({ room: 'other' })).toEqual([first[1]]);
      expect(await a.query({ appId: 'app-2' })).toEqual([]);
      expect(await a.query({ limit: 2 })).toEqual([first[1], second[0]]);
    });

    it('keeps about the last `capacity` events', { timeout: TEST_TIMEOUT_MS }, async () => {
      const log = created(100);
      const all = Array.from({ length: 1000 }, (_, i) => event({ seq: i }));
      for (let i = 0; i < all.length; i += 50) await log.append(all.slice(i, i + 50));
      const kept = await log.query({ limit: 10_000 });
      expect(kept.length).toBeGreaterThanOrEqual(100);
      expect(kept.length).toBeLessThan(400);
      expect(kept.at(-1)).toEqual(all.at(-1));
      expect(kept).toEqual(all.slice(all.length - kept.length));
    });

    it('follows events appended by any log after the call, in order, until stopped', {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const a = created();
      const b = created();
      await a.append([event({ messageId: 'before' })]);
      const seen: TraceEvent[] = [];
      const stop = b.follow((e) => seen.push(e));
      // A follower of a shared store may need a moment to start reading.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const live = [event({ messageId: 'x1' }), event({ messageId: 'x2' })];
      await a.append(live.slice(0, 1));
      await b.append(live.slice(1));
      await waitFor(() => seen.length >= 2, 5000, 'followed events');
      expect(seen).toEqual(live);
      stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await a.append([event({ messageId: 'after' })]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen.map((e) => e.messageId)).toEqual(['x1', 'x2']);
    });

    it('rejects with store_unavailable after close', { timeout: TEST_TIMEOUT_MS }, async () => {
      const log = created();
      await log.close();
      await expectStoreUnavailable(log.append([event()]));
      await expectStoreUnavailable(log.query({}));
    });
  });
}
