import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SequenceStore } from '../sequence-store.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface SequenceStoreConformanceContext {
  /** A new store sharing its counters with every other store of this context (two gateways). */
  createStore(): SequenceStore;
  /** Removes what the context created (keys, shared maps). Runs after every store was closed. */
  dispose(): Promise<void>;
}

export type SequenceStoreConformanceFactory = () =>
  | SequenceStoreConformanceContext
  | Promise<SequenceStoreConformanceContext>;

const TEST_TIMEOUT_MS = 20_000;

/** Fails unless `promise` rejects with a retryable `RelayBoxError(store_unavailable)`. */
export async function expectStoreUnavailable(promise: Promise<unknown>): Promise<RelayBoxError> {
  const error = await promise.then(
    () => new Error('expected a rejection, the promise resolved'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayBoxError);
  expect((error as RelayBoxError).code).toBe(ErrorCode.StoreUnavailable);
  expect((error as RelayBoxError).retryable).toBe(true);
  return error as RelayBoxError;
}

/** Runs the `SequenceStore` port's guarantees (platform/core/src/sequence-store.ts) against one implementation. */
export function describeSequenceStoreConformance(
  name: string,
  factory: SequenceStoreConformanceFactory,
): void {
  describe(`SequenceStore conformance: ${name}`, () => {
    let ctx: SequenceStoreConformanceContext;
    let stores: SequenceStore[];

    beforeEach(async () => {
      ctx = await factory();
      stores = [];
    });

    afterEach(async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
      await ctx.dispose();
    });

    const created = (): SequenceStore => {
      const store = ctx.createStore();
      stores.push(store);
      return store;
    };

    it(
      'starts every room at 1 and counts up by one',
      async () => {
        const store = created();
        expect(await store.current('app-1', 'chat')).toBe(0);
        const seqs: number[] = [];
        for (let i = 0; i < 5; i++) seqs.push(await store.next('app-1', 'chat'));
        expect(seqs).toEqual([1, 2, 3, 4, 5]);
        expect(await store.current('app-1', 'chat')).toBe(5);
        expect(await created().current('app-1', 'chat')).toBe(5);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'hands out 1..N exactly once under 1000 concurrent calls from two stores, each in call order',
      async () => {
        const pair = [created(), created()] as const;
        const perStore = 500;
        const results: [number[], number[]] = [[], []];
        const resolvedOrder: [number[], number[]] = [[], []];
        const calls: Promise<void>[] = [];
        for (let i = 0; i < perStore; i++) {
          for (const s of [0, 1] as const) {
            calls.push(
              pair[s].next('app-1', 'busy').then((seq) => {
                results[s][i] = seq;
                resolvedOrder[s].push(i);
              }),
            );
          }
        }
        await Promise.all(calls);

        const all = [...results[0], ...results[1]].sort((x, y) => x - y);
        expect(all).toEqual(Array.from({ length: 2 * perStore }, (_, i) => i + 1));
        for (const s of [0, 1] as const) {
          expect(resolvedOrder[s]).toEqual(Array.from({ length: perStore }, (_, i) => i));
          expect(results[s].every((seq, i) => i === 0 || seq > (results[s][i - 1] as number))).toBe(true);
        }
        expect(await pair[1].current('app-1', 'busy')).toBe(2 * perStore);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps a separate counter per app and per room',
      async () => {
        const store = created();
        const seen: string[] = [];
        const take = async (appId: string, room: string): Promise<void> => {
          seen.push(`${appId}/${room}=${await store.next(appId, room)}`);
        };
        await take('app-1', 'chat');
        await take('app-1', 'chat');
        await take('app-2', 'chat');
        await take('app-1', 'chat:sub');
        await take('app-1', 'other');
        await take('app-2', 'chat');
        await take('app-1', 'chat');
        expect(seen).toEqual([
          'app-1/chat=1',
          'app-1/chat=2',
          'app-2/chat=1',
          'app-1/chat:sub=1',
          'app-1/other=1',
          'app-2/chat=2',
          'app-1/chat=3',
        ]);
        expect(await store.current('app-2', 'chat')).toBe(2);
        expect(await store.current('app-2', 'other')).toBe(0);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects after close() with a retryable store_unavailable',
      async () => {
        const store = created();
        await store.next('app-1', 'closing');
        await store.close();
        await expectStoreUnavailable(store.next('app-1', 'closing'));
        await expectStoreUnavailable(store.current('app-1', 'closing'));
      },
      TEST_TIMEOUT_MS,
    );
  });
}
