import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_KEEP_MS } from '../store/memory-user-store.js';
import type { AuthSession, AuthUser, UserStore } from '../user-store.js';

/** What one conformance test needs from an implementation; created fresh for every test. */
export interface UserStoreConformanceContext {
  /** A store (another gateway) sharing users and sessions with every store of this context. */
  createStore(): UserStore;
  /** Removes what the context created. Runs after every store was closed. */
  dispose(): Promise<void>;
}

const APP = 'app-1';
const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

export function testUser(overrides: Partial<AuthUser> = {}): AuthUser {
  const id = overrides.id ?? `u-${Math.random().toString(36).slice(2, 10)}`;
  return {
    id,
    appId: APP,
    email: `${id}@example.com`,
    emailVerified: false,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    displayName: 'Alice',
    avatarUrl: null,
    disabled: false,
    permissions: null,
    mfa: { totpSecretSealed: null, totpEnabled: false, recoveryCodeHashes: [] },
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

function testSession(overrides: Partial<AuthSession> = {}): AuthSession {
  return {
    id: `s-${Math.random().toString(36).slice(2, 10)}`,
    appId: APP,
    userId: 'u-1',
    refreshHash: 'h0',
    generation: 0,
    revoked: false,
    createdAt: NOW,
    expiresAt: NOW + DAY,
    ...overrides,
  };
}

const rotate = (store: UserStore, s: AuthSession, generation: number, presented: string, next: string) =>
  store.rotateSession({
    appId: s.appId,
    sessionId: s.id,
    generation,
    presentedHash: presented,
    nextHash: next,
    now: NOW + 1000,
    nextExpiresAt: NOW + 2 * DAY,
  });

/** The guarantees of `UserStore` (user-store.ts), run against every implementation. */
export function describeUserStoreConformance(
  name: string,
  factory: () => UserStoreConformanceContext | Promise<UserStoreConformanceContext>,
): void {
  describe(`${name} (UserStore conformance)`, () => {
    let context: UserStoreConformanceContext;
    let stores: UserStore[];
    const store = () => {
      const s = context.createStore();
      stores.push(s);
      return s;
    };

    beforeEach(async () => {
      context = await factory();
      stores = [];
    });
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await context.dispose();
    });

    it('creates a user, finds it by id and email, refuses a second one with the email', async () => {
      const a = store();
      const user = testUser({ email: 'alice@example.com' });
      expect(await a.createUser(user)).toBe(true);
      expect(await a.getUser(APP, user.id)).toEqual(user);
      expect(await store().findUserByEmail(APP, 'alice@example.com')).toEqual(user);
      expect(await a.createUser(testUser({ email: 'alice@example.com' }))).toBe(false);
      expect(await a.findUserByEmail(APP, 'bob@example.com')).toBeUndefined();
      expect(await a.getUser(APP, 'nobody')).toBeUndefined();
    });

    it('keeps apps apart: the same email in two apps, no user of one app read through another', async () => {
      const a = store();
      const user = testUser({ email: 'same@example.com' });
      expect(await a.createUser(user)).toBe(true);
      expect(await a.createUser(testUser({ appId: 'app-2', email: 'same@example.com' }))).toBe(true);
      expect(await a.getUser('app-2', user.id)).toBeUndefined();
      expect((await a.findUserByEmail('app-2', 'same@example.com'))?.appId).toBe('app-2');
      expect((await a.listUsers('app-2', { limit: 10 })).items).toHaveLength(1);
    });

    it('lets exactly one of 20 concurrent sign-ups with one email win', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().createUser(testUser({ email: 'race@example.com', id: `r${i}` })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('updates the given fields and nothing else', async () => {
      const a = store();
      const user = testUser();
      await a.createUser(user);
      const updated = await a.updateUser(APP, user.id, { displayName: 'Al', disabled: true }, NOW + 5);
      expect(updated).toEqual({ ...user, displayName: 'Al', disabled: true, updatedAt: NOW + 5 });
      expect(await store().getUser(APP, user.id)).toEqual(updated);
      expect(await a.updateUser(APP, 'nobody', { disabled: true }, NOW)).toBeUndefined();
    });

    it('spends a recovery code once: exactly one of 20 concurrent uses of one code succeeds', async () => {
      const user = testUser({
        mfa: { totpSecretSealed: 'sealed', totpEnabled: true, recoveryCodeHashes: ['c1', 'c2'] },
      });
      await store().createUser(user);
      const uses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store().consumeRecoveryCode(APP, user.id, 'c1', NOW + i + 1)),
      );
      expect(uses.filter(Boolean)).toHaveLength(1);
      const after = await store().getUser(APP, user.id);
      expect(after?.mfa).toEqual({ ...user.mfa, recoveryCodeHashes: ['c2'] });
      expect(after?.updatedAt).toBeGreaterThan(NOW);
      const a = store();
      expect(await a.consumeRecoveryCode(APP, user.id, 'c1', NOW + 50)).toBe(false);
      expect(await a.consumeRecoveryCode(APP, user.id, 'nope', NOW + 50)).toBe(false);
      expect(await a.consumeRecoveryCode(APP, 'nobody', 'c2', NOW + 50)).toBe(false);
      expect(await a.consumeRecoveryCode('app-2', user.id, 'c2', NOW + 50)).toBe(false);
      expect(await a.consumeRecoveryCode(APP, user.id, 'c2', NOW + 50)).toBe(true);
      // The last code gone leaves an empty list (an array, not an object), the rest of the user as it was.
      expect(await a.getUser(APP, user.id)).toEqual({
        ...user,
        mfa: { ...user.mfa, recoveryCodeHashes: [] },
        updatedAt: NOW + 50,
      });
    });

    it('accepts a TOTP step once: exactly one of 20 concurrent acceptances of one step, never an older one', async () => {
      const user = testUser();
      await store().createUser(user);
      const accepted = await Promise.all(
        Array.from({ length: 20 }, () => store().acceptTotpStep(APP, user.id, 1000, NOW + 1)),
      );
      expect(accepted.filter(Boolean)).toHaveLength(1);
      const a = store();
      expect(await a.acceptTotpStep(APP, user.id, 999, NOW + 2)).toBe(false);
      expect(await a.acceptTotpStep(APP, user.id, 1000, NOW + 2)).toBe(false);
      expect(await a.acceptTotpStep(APP, user.id, 1001, NOW + 3)).toBe(true);
      expect(await a.acceptTotpStep(APP, 'nobody', 5000, NOW + 3)).toBe(false);
      expect(await a.getUser(APP, user.id)).toEqual({
        ...user,
        mfa: { ...user.mfa, totpLastStep: 1001 },
        updatedAt: NOW + 3,
      });
    });

    it('lists users in creation order, page by page', async () => {
      const a = store();
      for (let i = 0; i < 5; i++) await a.createUser(testUser({ id: `p${i}`, createdAt: NOW + i }));
      const first = await a.listUsers(APP, { limit: 2 });
      const second = await a.listUsers(APP, { limit: 2, cursor: first.next });
      const third = await a.listUsers(APP, { limit: 2, cursor: second.next });
      expect([...first.items, ...second.items, ...third.items].map((u) => u.id)).toEqual([
        'p0',
        'p1',
        'p2',
        'p3',
        'p4',
      ]);
      expect(third.next).toBeUndefined();
    });

    it('rotates a refresh token once per generation', async () => {
      const a = store();
      const s = testSession();
      await a.createSession(s);
      expect(await store().getSession(APP, s.id)).toEqual(s);
      const first = await rotate(a, s, 0, 'h0', 'h1');
      expect(first).toEqual({
        status: 'rotated',
        session: { ...s, refreshHash: 'h1', generation: 1, expiresAt: NOW + 2 * DAY },
      });
      expect((await rotate(a, s, 1, 'h1', 'h2')).status).toBe('rotated');
      expect((await a.getSession(APP, s.id))?.generation).toBe(2);
    });

    it('revokes the whole family when an earlier generation is presented again', async () => {
      const a = store();
      const s = testSession();
      await a.createSession(s);
      await rotate(a, s, 0, 'h0', 'h1');
      const reused = await rotate(store(), s, 0, 'h0', 'hx');
      expect(reused.status).toBe('reused');
      expect((await a.getSession(APP, s.id))?.revoked).toBe(true);
      // The current token of the family is refused from now on.
      expect((await rotate(a, s, 1, 'h1', 'h2')).status).toBe('revoked');
    });

    it('does not revoke a family for a forged token (unknown hash or generation)', async () => {
      const a = store();
      const s = testSession();
      await a.createSession(s);
      await rotate(a, s, 0, 'h0', 'h1');
      expect((await rotate(a, s, 0, 'forged', 'hx')).status).toBe('unknown');
      expect((await rotate(a, s, 1, 'forged', 'hx')).status).toBe('unknown');
      expect((await rotate(a, s, 7, 'h1', 'hx')).status).toBe('unknown');
      expect((await a.getSession(APP, s.id))?.revoked).toBe(false);
      expect((await rotate(a, { ...s, id: 'nope' }, 0, 'h0', 'hx')).status).toBe('unknown');
    });

    it('lets exactly one of 10 concurrent refreshes with one token rotate', async () => {
      const s = testSession();
      await store().createSession(s);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => rotate(store(), s, 0, 'h0', `n${i}`)),
      );
      expect(results.filter((r) => r.status === 'rotated')).toHaveLength(1);
    });

    it('refuses an expired session', async () => {
      const a = store();
      const s = testSession({ expiresAt: NOW + 500 });
      await a.createSession(s);
      expect((await rotate(a, s, 0, 'h0', 'h1')).status).toBe('expired');
    });

    it('purges sessions whose storage ended, in batches of at most the limit, and nothing else', async () => {
      const a = store();
      const KEEP = SESSION_KEEP_MS;
      const ended = [0, 1, 2, 3, 4].map((i) =>
        testSession({ id: `ended-${i}`, userId: `pu-${i % 2}`, expiresAt: NOW - KEEP - 1000 }),
      );
      const recent = testSession({ id: 'recent', userId: 'pu-0', expiresAt: NOW - 1000 });
      const live = testSession({ id: 'live', userId: 'pu-1' });
      for (const s of [...ended, recent, live]) await a.createSession(s);
      expect(await a.purgeExpiredSessions(NOW, 3)).toBe(3);
      let rest = 0;
      for (let batch = 0; batch < 5; batch++) rest += await store().purgeExpiredSessions(NOW, 3);
      expect(rest).toBe(2);
      expect(await a.purgeExpiredSessions(NOW, 3)).toBe(0);
      for (const s of ended) expect(await a.getSession(APP, s.id)).toBeUndefined();
      // An expired session is kept a day (a late refresh says `expired`), a live one untouched.
      expect((await rotate(a, recent, 0, 'h0', 'h1')).status).toBe('expired');
      expect((await a.getSession(APP, live.id))?.id).toBe('live');
      expect((await a.revokeUserSessions(APP, 'pu-1')).sort()).toEqual(['live']);
      expect((await a.revokeUserSessions(APP, 'pu-0')).sort()).toEqual(['recent']);
    });

    it('revokes one session, or every session of a user', async () => {
      const a = store();
      const one = testSession({ userId: 'u-9' });
      const two = testSession({ userId: 'u-9', createdAt: NOW + 1 });
      const other = testSession({ userId: 'u-8' });
      for (const s of [one, two, other]) await a.createSession(s);
      expect(await a.revokeSession(APP, one.id)).toBe(true);
      expect(await a.revokeSession(APP, one.id)).toBe(false);
      expect(await a.revokeSession(APP, 'nope')).toBe(false);
      expect((await rotate(a, one, 0, 'h0', 'h1')).status).toBe('revoked');
      expect((await a.listSessions(APP, 'u-9', NOW)).map((s) => [s.id, s.revoked])).toEqual([
        [one.id, true],
        [two.id, false],
      ]);
      expect((await store().revokeUserSessions(APP, 'u-9')).sort()).toEqual([one.id, two.id].sort());
      expect((await a.getSession(APP, two.id))?.revoked).toBe(true);
      expect((await a.getSession(APP, other.id))?.revoked).toBe(false);
      expect(await a.listSessions(APP, 'u-9', NOW + 2 * DAY)).toEqual([]);
    });
  });
}
