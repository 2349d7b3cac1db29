import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../session-store.js';
import {
  APP,
  expectClaimRefused,
  LONG_MS,
  PAST_SHORT_MS,
  type SessionStoreConformanceContext,
  type SessionStoreConformanceFactory,
  SHORT_MS,
  session,
  TEST_TIMEOUT_MS,
} from './session-conformance-support.js';

/**
 * Session takeover (`SessionStore.claim` with `nextSecret` from a live gateway: the newest connection
 * wins), part of the `SessionStore` conformance suite.
 */
export function describeSessionTakeoverConformance(
  name: string,
  factory: SessionStoreConformanceFactory,
): void {
  describe(`SessionStore conformance: ${name}: takeover`, () => {
    let ctx: SessionStoreConformanceContext;
    let stores: SessionStore[];

    beforeEach(async () => {
      ctx = await factory();
      stores = [];
    });

    afterEach(async () => {
      await Promise.allSettled(stores.map((s) => s.close()));
      await ctx.dispose();
    });

    /** A store for each gateway id, every one beating with a long ttl. */
    const gateways = async (...ids: string[]): Promise<SessionStore[]> => {
      const out = ids.map(() => {
        const store = ctx.createStore();
        stores.push(store);
        return store;
      });
      await Promise.all(out.map((s, i) => s.heartbeat(ids[i]!, LONG_MS)));
      return out;
    };

    it(
      'lets a claim that rotates the secret take over from a live gateway, which can change nothing after',
      async () => {
        const [a, b] = await gateways('gw-a', 'gw-b');
        await a!.create(session('conn-1', 'gw-a', { rooms: { lobby: { subscribed: true } } }), 'secret-1');
        const claim = { connectionId: 'conn-1', appId: APP, clientId: 'alice', gatewayId: 'gw-b' };
        await expectClaimRefused(b!.claim({ ...claim, secret: 'wrong', nextSecret: 'x' }), 'wrong_secret');
        await expectClaimRefused(
          b!.claim({ ...claim, clientId: 'mallory', secret: 'secret-1', nextSecret: 'x' }),
          'wrong_client',
        );
        const taken = await b!.claim({ ...claim, secret: 'secret-1', nextSecret: 'secret-2' });
        expect(taken).toEqual({
          ...session('conn-1', 'gw-b', { rooms: { lobby: { subscribed: true } } }),
          previousGatewayId: 'gw-a',
          previousState: 'attached',
        });
        // The old gateway lost it: every mutation it makes resolves false and changes nothing.
        expect(await a!.setRoom('conn-1', 'gw-a', 'stale', { subscribed: true })).toBe(false);
        expect(await a!.removeRoom('conn-1', 'gw-a', 'lobby')).toBe(false);
        expect(await a!.detach('conn-1', 'gw-a', LONG_MS)).toBe(false);
        expect(await a!.remove('conn-1', 'gw-a')).toBe(false);
        expect(await a!.get('conn-1')).toEqual({
          ...session('conn-1', 'gw-b', { rooms: { lobby: { subscribed: true } } }),
          state: 'attached',
        });
        // Nor does the old gateway's sweep once it dies: the session is no longer in its index.
        expect(await a!.heartbeat('gw-a', SHORT_MS)).toBe(true);
        await ctx.elapse(PAST_SHORT_MS);
        expect(await b!.sweepGateway('gw-a', { resumeWindowMs: 0 })).toEqual([]);
        expect((await b!.get('conn-1'))?.state).toBe('attached');
        // The new owner keeps it; the old secret is spent, the new one takes it over again (same gateway).
        expect(await b!.setRoom('conn-1', 'gw-b', 'chat:new', { subscribed: false })).toBe(true);
        await expectClaimRefused(b!.claim({ ...claim, secret: 'secret-1', nextSecret: 'y' }), 'wrong_secret');
        const again = await b!.claim({ ...claim, secret: 'secret-2', nextSecret: 'secret-3' });
        expect(again).toMatchObject({
          gatewayId: 'gw-b',
          previousGatewayId: 'gw-b',
          previousState: 'attached',
        });
        expect(Object.keys(again.rooms).sort()).toEqual(['chat:new', 'lobby']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'lets exactly one of 20 concurrent rotating claims take over from a live gateway',
      async () => {
        const [a, b, c] = await gateways('gw-a', 'gw-b', 'gw-c');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => {
            const [store, gatewayId] = i % 2 ? [b!, 'gw-b'] : [c!, 'gw-c'];
            return store.claim({
              connectionId: 'conn-1',
              appId: APP,
              clientId: 'alice',
              secret: 'secret-1',
              gatewayId,
              nextSecret: `next-${i}`,
            });
          }),
        );
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, session: r.value }] : []));
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') await expectClaimRefused(Promise.reject(r.reason), 'wrong_secret');
        }
        const { i, session: winner } = won[0]!;
        expect(winner).toMatchObject({ previousGatewayId: 'gw-a', previousState: 'attached' });
        expect((await a!.get('conn-1'))?.gatewayId).toBe(winner.gatewayId);
        const [loser, loserId] = winner.gatewayId === 'gw-b' ? [c!, 'gw-c'] : [b!, 'gw-b'];
        expect(await loser.setRoom('conn-1', loserId, 'x', { subscribed: true })).toBe(false);
        expect(await a!.setRoom('conn-1', 'gw-a', 'x', { subscribed: true })).toBe(false);
        // Only the winner's next secret opens it now.
        const next = { connectionId: 'conn-1', appId: APP, clientId: 'alice', gatewayId: loserId };
        await expectClaimRefused(
          loser.claim({ ...next, secret: 'secret-1', nextSecret: 'z' }),
          'wrong_secret',
        );
        expect((await loser.claim({ ...next, secret: `next-${i}`, nextSecret: 'z' })).gatewayId).toBe(
          loserId,
        );
      },
      TEST_TIMEOUT_MS,
    );
  });
}
