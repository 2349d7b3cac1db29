import {
  type AuthSession,
  type AuthUser,
  REMEMBERED_GENERATIONS,
  type RotateResult,
  type UserPage,
  type UserPatch,
  type UserStore,
} from '../user-store.js';

/** What a `MemoryUserStore` holds: users, and sessions with their remembered earlier generations. */
export interface UserStoreState {
  users: AuthUser[];
  sessions: StoredSession[];
}

export interface StoredSession {
  session: AuthSession;
  /** Hashes of earlier generations, newest last (at most `REMEMBERED_GENERATIONS`). */
  previous: string[];
}

/**
 * A user store in this process's memory: users live as long as the process (the embedded engine
 * keeps them in a file of its data dir: `FileUserStore`, which builds on this one). Same guarantees
 * as the Redis store; JavaScript's single thread makes every call atomic.
 */
export class MemoryUserStore implements UserStore {
  private readonly users = new Map<string, AuthUser>();
  private readonly byEmail = new Map<string, string>();
  private readonly sessions = new Map<string, StoredSession>();
  private readonly sessionsOfUser = new Map<string, Set<string>>();

  constructor(private readonly clock: () => number = Date.now) {}

  async createUser(user: AuthUser): Promise<boolean> {
    const emailKey = key(user.appId, user.email);
    if (this.byEmail.has(emailKey) || this.users.has(key(user.appId, user.id))) return false;
    this.byEmail.set(emailKey, user.id);
    this.users.set(key(user.appId, user.id), clone(user));
    return true;
  }

  async getUser(appId: string, userId: string): Promise<AuthUser | undefined> {
    const user = this.users.get(key(appId, userId));
    return user && clone(user);
  }

  async findUserByEmail(appId: string, email: string): Promise<AuthUser | undefined> {
    const id = this.byEmail.get(key(appId, email));
    return id === undefined ? undefined : this.getUser(appId, id);
  }

  async updateUser(appId: string, userId: string, patch: UserPatch, now: number) {
    const user = this.users.get(key(appId, userId));
    if (!user) return undefined;
    const next = { ...user, ...clone(patch), updatedAt: now };
    this.users.set(key(appId, userId), next);
    return clone(next);
  }

  async consumeRecoveryCode(appId: string, userId: string, codeHash: string, now: number) {
    const user = this.users.get(key(appId, userId));
    const next = user && withoutRecoveryCode(user, codeHash, now);
    if (next) this.users.set(key(appId, userId), next);
    return next !== undefined;
  }

  async acceptTotpStep(appId: string, userId: string, step: number, now: number) {
    const user = this.users.get(key(appId, userId));
    const next = user && withTotpStep(user, step, now);
    if (next) this.users.set(key(appId, userId), next);
    return next !== undefined;
  }

  async listUsers(appId: string, options: { limit: number; cursor?: string | undefined }): Promise<UserPage> {
    const all = [...this.users.values()]
      .filter((u) => u.appId === appId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const start = options.cursor === undefined ? 0 : Number(options.cursor);
    const items = all.slice(start, start + options.limit).map(clone);
    const end = start + items.length;
    return { items, next: end < all.length ? String(end) : undefined };
  }

  async createSession(session: AuthSession): Promise<void> {
    this.sessions.set(key(session.appId, session.id), { session: { ...session }, previous: [] });
    const userKey = key(session.appId, session.userId);
    const set = this.sessionsOfUser.get(userKey) ?? new Set<string>();
    set.add(session.id);
    this.sessionsOfUser.set(userKey, set);
  }

  async getSession(appId: string, sessionId: string): Promise<AuthSession | undefined> {
    const stored = this.live(appId, sessionId);
    return stored && { ...stored.session };
  }

  async listSessions(appId: string, userId: string, now: number): Promise<AuthSession[]> {
    const ids = this.sessionsOfUser.get(key(appId, userId)) ?? new Set<string>();
    const out: AuthSession[] = [];
    for (const id of ids) {
      const stored = this.live(appId, id);
      if (!stored) ids.delete(id);
      else if (stored.session.expiresAt > now) out.push({ ...stored.session });
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  async rotateSession(input: Parameters<UserStore['rotateSession']>[0]): Promise<RotateResult> {
    const stored = this.live(input.appId, input.sessionId);
    if (!stored) return { status: 'unknown' };
    const { session } = stored;
    if (session.revoked) return { status: 'revoked' };
    if (session.expiresAt <= input.now) return { status: 'expired' };
    if (input.generation === session.generation && input.presentedHash === session.refreshHash) {
      stored.previous.push(session.refreshHash);
      if (stored.previous.length > REMEMBERED_GENERATIONS) stored.previous.shift();
      session.refreshHash = input.nextHash;
      session.generation += 1;
      session.expiresAt = input.nextExpiresAt;
      return { status: 'rotated', session: { ...session } };
    }
    if (input.generation < session.generation && stored.previous.includes(input.presentedHash)) {
      session.revoked = true;
      return { status: 'reused', session: { ...session } };
    }
    return { status: 'unknown' };
  }

  async revokeSession(appId: string, sessionId: string): Promise<boolean> {
    const stored = this.live(appId, sessionId);
    if (!stored || stored.session.revoked) return false;
    stored.session.revoked = true;
    return true;
  }

  async revokeUserSessions(appId: string, userId: string): Promise<string[]> {
    const ids = [...(this.sessionsOfUser.get(key(appId, userId)) ?? [])];
    for (const id of ids) {
      const stored = this.live(appId, id);
      if (stored) stored.session.revoked = true;
    }
    return ids;
  }

  async purgeExpiredSessions(now: number, limit: number): Promise<number> {
    let purged = 0;
    for (const [k, { session }] of this.sessions) {
      if (purged >= limit) break;
      if (session.expiresAt + SESSION_KEEP_MS > now) continue;
      this.sessions.delete(k);
      this.sessionsOfUser.get(key(session.appId, session.userId))?.delete(session.id);
      purged += 1;
    }
    return purged;
  }

  async close(): Promise<void> {}

  /** Everything held, deep-copied (sessions whose storage ended too, until purged). */
  protected exportState(): UserStoreState {
    return { users: [...this.users.values()].map(clone), sessions: [...this.sessions.values()].map(clone) };
  }

  /** Replaces everything held with `state` (as `exportState` made it). */
  protected importState(state: UserStoreState): void {
    this.users.clear();
    this.byEmail.clear();
    this.sessions.clear();
    this.sessionsOfUser.clear();
    for (const user of state.users) {
      this.users.set(key(user.appId, user.id), clone(user));
      this.byEmail.set(key(user.appId, user.email), user.id);
    }
    for (const stored of state.sessions) {
      const { appId, id, userId } = stored.session;
      this.sessions.set(key(appId, id), clone(stored));
      const set = this.sessionsOfUser.get(key(appId, userId)) ?? new Set<string>();
      set.add(id);
      this.sessionsOfUser.set(key(appId, userId), set);
    }
  }

  /** The stored session unless its storage expired (a day past `expiresAt`, like the Redis TTL). */
  private live(appId: string, sessionId: string): StoredSession | undefined {
    const stored = this.sessions.get(key(appId, sessionId));
    if (stored && stored.session.expiresAt + SESSION_KEEP_MS <= this.clock()) {
      this.sessions.delete(key(appId, sessionId));
      return undefined;
    }
    return stored;
  }
}

/** The user without the unused recovery code `codeHash`; undefined when it has no such code. */
export function withoutRecoveryCode(user: AuthUser, codeHash: string, now: number): AuthUser | undefined {
  const hashes = user.mfa.recoveryCodeHashes;
  if (!hashes.includes(codeHash)) return undefined;
  const recoveryCodeHashes = hashes.filter((h) => h !== codeHash);
  return { ...user, mfa: { ...user.mfa, recoveryCodeHashes }, updatedAt: now };
}

/** The user with `step` as its last accepted TOTP step; undefined unless it is newer than the recorded one. */
export function withTotpStep(user: AuthUser, step: number, now: number): AuthUser | undefined {
  if (step <= (user.mfa.totpLastStep ?? -1)) return undefined;
  return { ...user, mfa: { ...user.mfa, totpLastStep: step }, updatedAt: now };
}

/** How long a session is kept past its expiry (so a late refresh says `expired`, not `unknown`). */
export const SESSION_KEEP_MS = 86_400_000;

function key(appId: string, id: string): string {
  return `${appId}\u0000${id}`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
