import { ErrorCode } from '@relaybox/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session, SessionStore } from '../session-store.js';
import { expectStoreUnavailable } from './expect-store-unavailable.js';
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
import { describeSessionTakeoverConformance } from './session-takeover-conformance.js';

export type {
  SessionStoreConformanceContext,
  SessionStoreConformanceFactory,
} from './session-conformance-support.js';
export { expectClaimRefused } from './session-conformance-support.js';

/** Runs the `SessionStore` port's guarantees (platform/core/src/session-store.ts) against one implementation. */
export function describeSessionStoreConformance(name: string, factory: SessionStoreConformanceFactory): void {
  describeSessionTakeoverConformance(name, factory);
  describe(`SessionStore conformance: ${name}`, () => {
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

    const created = (): SessionStore => {
      const store = ctx.createStore();
      stores.push(store);
      return store;
    };

    /** A store for each gateway id, every one beating with a long ttl. */
    const gateways = async (...ids: string[]): Promise<SessionStore[]> => {
      const out = ids.map(() => created());
      await Promise.all(out.map((s, i) => s.heartbeat(ids[i]!, LONG_MS)));
      return out;
    };

    const claimBy = (store: SessionStore, gatewayId: string, connectionId = 'conn-1', secret = 'secret-1') =>
      store.claim({ connectionId, appId: APP, clientId: 'alice', secret, gatewayId });

    it(
      'creates, records rooms while attached and refuses a taken connection id',
      async () => {
        const [a] = await gateways('gw-a');
        await a!.create(session('conn-1', 'gw-a', { rooms: { lobby: { subscribed: false } } }), 'secret-1');
        expect(await a!.setRoom('conn-1', 'gw-a', 'chat:one', { subscribed: true })).toBe(true);
        expect(await a!.setRoom('conn-1', 'gw-a', 'chat:two', { subscribed: false })).toBe(true);
        expect(await a!.setRoom('conn-1', 'gw-a', 'chat:two', { subscribed: true })).toBe(true);
        expect(await a!.removeRoom('conn-1', 'gw-a', 'lobby')).toBe(true);
        expect(await a!.setRoom('conn-1', 'gw-other', 'stolen', { subscribed: true })).toBe(false);
        expect(await a!.setRoom('unknown', 'gw-a', 'x', { subscribed: true })).toBe(false);

        const stored = await created().get('conn-1');
        expect(stored).toEqual({
          ...session('conn-1', 'gw-a'),
          rooms: { 'chat:one': { subscribed: true }, 'chat:two': { subscribed: true } },
          state: 'attached',
        });
        expect(JSON.stringify(stored)).not.toContain('secret-1');
        expect(await a!.get('unknown')).toBeUndefined();

        const error = await a!.create(session('conn-1', 'gw-b'), 'other').catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'RelayBoxError', code: ErrorCode.InvalidRequest });
        expect((await a!.get('conn-1'))?.gatewayId).toBe('gw-a');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'resumes a detached session on another gateway with its rooms, once',
      async () => {
        const [a, b] = await gateways('gw-a', 'gw-b');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        await a!.setRoom('conn-1', 'gw-a', 'chat:lobby', { subscribed: true });
        await a!.setRoom('conn-1', 'gw-a', 'chat:quiet', { subscribed: false });
        expect(await a!.detach('conn-1', 'gw-b', LONG_MS)).toBe(false);
        expect(await a!.detach('conn-1', 'gw-a', LONG_MS)).toBe(true);
        expect((await a!.get('conn-1'))?.state).toBe('detached');
        expect(await a!.setRoom('conn-1', 'gw-a', 'late', { subscribed: true })).toBe(false);
        expect(await a!.detach('conn-1', 'gw-a', LONG_MS)).toBe(false);

        const claimed = await claimBy(b!, 'gw-b');
        expect(claimed).toEqual({
          ...session('conn-1', 'gw-b'),
          rooms: { 'chat:lobby': { subscribed: true }, 'chat:quiet': { subscribed: false } },
          previousGatewayId: 'gw-a',
          previousState: 'detached',
        });
        expect((await a!.get('conn-1'))?.state).toBe('attached');
        expect(await a!.setRoom('conn-1', 'gw-a', 'late', { subscribed: true })).toBe(false);
        expect(await a!.remove('conn-1', 'gw-a')).toBe(false);
        expect(await b!.setRoom('conn-1', 'gw-b', 'chat:new', { subscribed: true })).toBe(true);
        await expectClaimRefused(claimBy(a!, 'gw-a'), 'attached');

        expect(await b!.detach('conn-1', 'gw-b', LONG_MS)).toBe(true);
        const back = await claimBy(a!, 'gw-a');
        expect(back.previousGatewayId).toBe('gw-b');
        expect(Object.keys(back.rooms).sort()).toEqual(['chat:lobby', 'chat:new', 'chat:quiet']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses another app, another client, a wrong secret and an unknown id, and stays claimable',
      async () => {
        const [a, b] = await gateways('gw-a', 'gw-b');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        await a!.detach('conn-1', 'gw-a', LONG_MS);
        const claim = {
          connectionId: 'conn-1',
          appId: APP,
          clientId: 'alice',
          secret: 'secret-1',
          gatewayId: 'gw-b',
        };

        await expectClaimRefused(b!.claim({ ...claim, appId: 'app-2' }), 'wrong_app');
        await expectClaimRefused(b!.claim({ ...claim, clientId: 'mallory' }), 'wrong_client');
        const wrong = await expectClaimRefused(b!.claim({ ...claim, secret: 'secret-2' }), 'wrong_secret');
        expect(wrong.message).not.toContain('secret-2');
        await expectClaimRefused(b!.claim({ ...claim, secret: '' }), 'wrong_secret');
        await expectClaimRefused(b!.claim({ ...claim, connectionId: 'conn-unknown' }), 'not_found');
        await expectClaimRefused(b!.claim({ ...claim, appId: 'app-2', connectionId: 'nope' }), 'not_found');

        expect((await b!.claim(claim)).gatewayId).toBe('gw-b');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'forgets a detached session after its window, and at once with a window of 0',
      async () => {
        const [a, b] = await gateways('gw-a', 'gw-b');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        await a!.create(session('conn-2', 'gw-a'), 'secret-1');
        await a!.detach('conn-1', 'gw-a', SHORT_MS);
        expect(await a!.detach('conn-2', 'gw-a', 0)).toBe(true);
        expect(await a!.get('conn-2')).toBeUndefined();
        await expectClaimRefused(claimBy(b!, 'gw-b', 'conn-2'), 'not_found');

        await ctx.elapse(PAST_SHORT_MS);
        expect(await a!.get('conn-1')).toBeUndefined();
        await expectClaimRefused(claimBy(b!, 'gw-b', 'conn-1'), 'not_found');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses a claim that keeps the secret while the gateway is live, and hands it over once its heartbeat expired',
      async () => {
        const [b] = await gateways('gw-b');
        const a = created();
        expect(await a.heartbeat('gw-a', LONG_MS)).toBe(false);
        await a.create(session('conn-1', 'gw-a', { rooms: { r: { subscribed: true } } }), 'secret-1');
        await expectClaimRefused(claimBy(b!, 'gw-b'), 'attached');
        expect(await b!.deadGateways()).toEqual([]);

        expect(await a.heartbeat('gw-a', SHORT_MS)).toBe(true);
        await ctx.elapse(PAST_SHORT_MS);
        expect(await b!.deadGateways()).toEqual(['gw-a']);
        await expectClaimRefused(claimBy(b!, 'gw-b', 'conn-1', 'wrong'), 'wrong_secret');
        const claimed = await claimBy(b!, 'gw-b');
        expect(claimed).toMatchObject({
          gatewayId: 'gw-b',
          previousGatewayId: 'gw-a',
          rooms: { r: { subscribed: true } },
        });
        expect(await b!.sweepGateway('gw-a', { resumeWindowMs: 0 })).toEqual([]);
        expect((await b!.get('conn-1'))?.gatewayId).toBe('gw-b');
        expect(await a.heartbeat('gw-a', SHORT_MS)).toBe(false);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'lets exactly one of 20 concurrent claims that keep the secret win',
      async () => {
        const [a, b, c] = await gateways('gw-a', 'gw-b', 'gw-c');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        await a!.detach('conn-1', 'gw-a', LONG_MS);
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => claimBy(i % 2 ? b! : c!, i % 2 ? 'gw-b' : 'gw-c')),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') await expectClaimRefused(Promise.reject(r.reason), 'attached');
        }
        const winner = (won[0] as PromiseFulfilledResult<Session>).value.gatewayId;
        expect((await a!.get('conn-1'))?.gatewayId).toBe(winner);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'replaces the secret on a claim that brings the next one',
      async () => {
        const [a, b] = await gateways('gw-a', 'gw-b');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        await a!.detach('conn-1', 'gw-a', LONG_MS);
        const claim = { connectionId: 'conn-1', appId: APP, clientId: 'alice', gatewayId: 'gw-b' };
        await b!.claim({ ...claim, secret: 'secret-1', nextSecret: 'secret-2' });
        await b!.detach('conn-1', 'gw-b', LONG_MS);
        await expectClaimRefused(
          a!.claim({ ...claim, gatewayId: 'gw-a', secret: 'secret-1' }),
          'wrong_secret',
        );
        expect((await a!.claim({ ...claim, gatewayId: 'gw-a', secret: 'secret-2' })).gatewayId).toBe('gw-a');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'removes a session, conditionally on its gateway when one is named',
      async () => {
        const [a] = await gateways('gw-a');
        await a!.create(session('conn-1', 'gw-a'), 'secret-1');
        expect(await a!.remove('conn-1', 'gw-b')).toBe(false);
        expect(await a!.remove('conn-1', 'gw-a')).toBe(true);
        expect(await a!.remove('conn-1')).toBe(false);
        expect(await a!.get('conn-1')).toBeUndefined();
        await expectClaimRefused(claimBy(a!, 'gw-a'), 'not_found');
        await a!.create(session('conn-2', 'gw-a'), 'secret-1');
        await a!.detach('conn-2', 'gw-a', LONG_MS);
        expect(await a!.remove('conn-2')).toBe(true);
        await expectClaimRefused(claimBy(a!, 'gw-a', 'conn-2'), 'not_found');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'tracks gateway liveness by heartbeat expiry',
      async () => {
        const [live] = await gateways('gw-live');
        const store = live!;
        await store.heartbeat('gw-short', SHORT_MS);
        await store.heartbeat('gw-stopped', LONG_MS);
        await store.clearHeartbeat('gw-stopped');
        expect((await store.deadGateways(['gw-live', 'gw-never', 'gw-never'])).sort()).toEqual([
          'gw-never',
          'gw-stopped',
        ]);

        await ctx.elapse(PAST_SHORT_MS);
        expect((await store.deadGateways()).sort()).toEqual(['gw-short', 'gw-stopped']);
        expect(await store.heartbeat('gw-short', LONG_MS)).toBe(false);
        expect(await store.sweepGateway('gw-stopped', { resumeWindowMs: 0 })).toEqual([]);
        expect(await store.deadGateways()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'sweeps every one of 1200 sessions of a dead gateway, none of a live one',
      async () => {
        const [live] = await gateways('gw-live');
        const dying = created();
        await dying.heartbeat('gw-dead', LONG_MS);
        const total = 1200;
        for (let start = 0; start < total; start += 200) {
          const slice: Promise<unknown>[] = [];
          for (let i = start; i < start + 200; i++) {
            slice.push(
              dying
                .create(session(`dead-${i}`, 'gw-dead', { clientId: `client-${i}` }), `s-${i}`)
                .then(() =>
                  dying.setRoom(`dead-${i}`, 'gw-dead', `room-${i % 7}`, { subscribed: i % 2 === 0 }),
                ),
            );
          }
          await Promise.all(slice);
        }
        await live!.create(session('live-1', 'gw-live'), 's');
        await dying.create(session('detached-1', 'gw-dead'), 's');
        await dying.detach('detached-1', 'gw-dead', LONG_MS);
        expect(await live!.sweepGateway('gw-dead', { resumeWindowMs: 0 })).toEqual([]);
        expect(await live!.sweepGateway('gw-live', { resumeWindowMs: 0 })).toEqual([]);

        expect(await dying.heartbeat('gw-dead', SHORT_MS)).toBe(true);
        await ctx.elapse(PAST_SHORT_MS);
        const swept = await live!.sweepGateway('gw-dead', { resumeWindowMs: 0 });
        expect(swept).toHaveLength(total);
        expect(swept.map((s) => s.connectionId).sort()).toEqual(
          Array.from({ length: total }, (_, i) => `dead-${i}`).sort(),
        );
        for (const s of swept) {
          const i = Number(s.connectionId.slice(5));
          expect(s).toEqual({
            ...session(`dead-${i}`, 'gw-dead', { clientId: `client-${i}` }),
            rooms: { [`room-${i % 7}`]: { subscribed: i % 2 === 0 } },
          });
        }
        const after = await Promise.all(swept.map((s) => live!.get(s.connectionId)));
        expect(after.filter((s) => s !== undefined)).toEqual([]);
        expect(await live!.sweepGateway('gw-dead', { resumeWindowMs: 0 })).toEqual([]);
        expect(await live!.deadGateways()).toEqual([]);
        expect((await live!.get('live-1'))?.state).toBe('attached');
        expect((await live!.get('detached-1'))?.state).toBe('detached');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps swept sessions claimable for the window it is given',
      async () => {
        const [b] = await gateways('gw-b');
        const a = created();
        await a.heartbeat('gw-a', SHORT_MS);
        await a.create(session('conn-1', 'gw-a'), 'secret-1');
        await a.create(session('conn-2', 'gw-a'), 'secret-1');
        await ctx.elapse(PAST_SHORT_MS);

        const swept = await b!.sweepGateway('gw-a', { resumeWindowMs: SHORT_MS });
        expect(swept.map((s) => s.connectionId).sort()).toEqual(['conn-1', 'conn-2']);
        expect((await b!.get('conn-1'))?.state).toBe('detached');
        expect((await claimBy(b!, 'gw-b', 'conn-1')).previousGatewayId).toBe('gw-a');

        await ctx.elapse(PAST_SHORT_MS);
        await expectClaimRefused(claimBy(b!, 'gw-b', 'conn-2'), 'not_found');
        expect((await b!.get('conn-1'))?.gatewayId).toBe('gw-b');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects after close() with a retryable store_unavailable',
      async () => {
        const store = created();
        await store.heartbeat('gw-a', LONG_MS);
        await store.close();
        await expectStoreUnavailable(store.create(session('conn-1', 'gw-a'), 's'));
        await expectStoreUnavailable(claimBy(store, 'gw-a'));
        await expectStoreUnavailable(store.heartbeat('gw-a', LONG_MS));
        await expectStoreUnavailable(store.sweepGateway('gw-a', { resumeWindowMs: 0 }));
      },
      TEST_TIMEOUT_MS,
    );
  });
}
